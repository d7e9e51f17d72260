"""The analysis panel: which crimes, which months, which measure and statistic, and Run.

Every control carries a tooltip in plain words, because the people using it brief patrols and
write bids; they should not need a statistics textbook to choose between LISA and Gi*.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hotspots.categories import CATEGORIES, PRESETS
from hotspots.lsoa.table import MEASURES
from hotspots.study import Settings

from .state import StudyState

__all__ = ["AnalysisPanel", "DISPLAYS", "TIPS"]

#: display key -> label
DISPLAYS = {"lisa": "LISA clusters (Local Moran's I)", "gi": "Gi* hot and cold spots",
            "fear": "Fear vs crime (StreetSafe)", "emerging": "Emerging hot spots (over time)"}
_CUSTOM = "Custom selection"
_WEIGHT_KINDS = {"queen": "Queen (edge or corner)", "rook": "Rook (shared edge)",
                 "knn": "K nearest", "distance": "Distance band"}

TIPS = {
    "lisa": ("Local Moran's I (Anselin 1995): is this LSOA like its neighbours?\n"
             "HH = a high-crime LSOA surrounded by high-crime LSOAs (a hot spot);\n"
             "LL = low surrounded by low; HL = a high outlier among low neighbours;\n"
             "LH = a low outlier among high neighbours; ns = not significant."),
    "gi": ("Getis-Ord Gi* (Getis and Ord 1992): is this LSOA and its neighbourhood, taken together,\n"
           "higher than the study area as a whole? +3/+2/+1 = hot spot at 99/95/90% confidence,\n"
           "-3/-2/-1 = cold spot; 0 = neither."),
    "fear": ("Where people feel unsafe against where crime is recorded: each LSOA neighbourhood's\n"
             "StreetSafe reports tested against its share of recorded crime (binomial, FDR). 'More fear\n"
             "than crime' marks places people fear that the crime figures miss (most victims never\n"
             "report); fewer than 5 reports nearby: not tested. Needs a StreetSafe layer."),
    "emerging": ("Emerging hot spot analysis (ArcGIS Pro's method): Gi* in every month, then each LSOA's\n"
                 "pattern over time: new, consecutive, intensifying, persistent, diminishing, sporadic,\n"
                 "oscillating or historical hot (or cold) spot. Needs at least 10 months."),
    "measure": ("What is counted per LSOA: crimes (count), crime harm (each crime weighted by the\n"
                "Cambridge Crime Harm Index), crimes per 1,000 residents (needs population, uses the\n"
                "empirical-Bayes rate so small populations do not mislead) or crimes per km²."),
    "weights": ("Who counts as a neighbour. Queen: LSOAs that share an edge or a corner (the usual\n"
                "choice). Rook: an edge only. K nearest: the K closest centroids (every LSOA gets K\n"
                "neighbours, good for very uneven sizes). Distance: every LSOA within that many metres."),
    "permutations": ("How many random reshuffles the significance test uses. 999 is the usual choice\n"
                     "(p-values down to 0.001); 99 is quick for a first look; 9,999 is more precise but\n"
                     "slow on a county."),
    "alpha": "Significance level: 0.05 means a 5% chance that a cluster this strong arose by chance.",
    "fdr": ("Control the false discovery rate (Benjamini-Hochberg): with a thousand LSOAs some\n"
            "will look significant by chance; this raises the bar so fewer false hot spots survive."),
    "seed": "Random seed for the permutations: the same seed gives the same answer every time.",
    "preset": "Ready-made crime selections analysts ask for; ticking boxes yourself makes a custom one.",
    "months": "Only crimes recorded in these months (police.uk gives a month, not a day) are counted.",
}


class AnalysisPanel(QWidget):
    """Reads the study's months and types from the state; emits ``runRequested`` and ``displayChanged``."""

    runRequested = Signal()
    displayChanged = Signal(str)

    def __init__(self, state: StudyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.n_jobs = 1

        types_box = QGroupBox("Crime types")
        self.preset = QComboBox()
        self.preset.addItems([*PRESETS, _CUSTOM])
        self.preset.setToolTip(TIPS["preset"])
        self.preset.currentTextChanged.connect(self._preset_chosen)
        self.type_boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        for i, name in enumerate(CATEGORIES):
            cb = QCheckBox(name)
            cb.setChecked(True)
            cb.toggled.connect(self._types_toggled)
            self.type_boxes[name] = cb
            grid.addWidget(cb, i, 0)
        tl = QVBoxLayout(types_box)
        tl.addWidget(self.preset)
        tl.addLayout(grid)

        form_box = QGroupBox("Analysis")
        form = QFormLayout(form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.month_from, self.month_to = QComboBox(), QComboBox()
        for c in (self.month_from, self.month_to):
            c.setToolTip(TIPS["months"])
        months = QHBoxLayout()
        months.addWidget(self.month_from, 1)
        months.addWidget(self.month_to, 1)
        form.addRow("Months from / to", months)
        self.measure = QComboBox()
        for key, label in MEASURES.items():
            self.measure.addItem(label, key)
        self.measure.setToolTip(TIPS["measure"])
        form.addRow("Measure", self.measure)
        self.display = QComboBox()
        for key, label in DISPLAYS.items():
            self.display.addItem(label, key)
            self.display.setItemData(self.display.count() - 1, TIPS[key], Qt.ItemDataRole.ToolTipRole)
        self.display.setToolTip(TIPS["lisa"])
        self.display.currentIndexChanged.connect(self._display_changed)
        form.addRow("Show", self.display)
        self.weights_kind = QComboBox()
        for key, label in _WEIGHT_KINDS.items():
            self.weights_kind.addItem(label, key)
        self.weights_kind.setToolTip(TIPS["weights"])
        self.weights_param = QSpinBox()
        self.weights_param.setToolTip("K for K nearest neighbours, or the distance band in metres")
        self.weights_kind.currentIndexChanged.connect(self._weights_kind_changed)
        wl = QHBoxLayout()
        wl.addWidget(self.weights_kind, 3)
        wl.addWidget(self.weights_param, 1)
        form.addRow("Neighbours", wl)
        self.permutations = QSpinBox()
        self.permutations.setRange(99, 99_999)
        self.permutations.setSingleStep(100)
        self.permutations.setGroupSeparatorShown(True)
        self.permutations.setToolTip(TIPS["permutations"])
        form.addRow("Permutations", self.permutations)
        self.alpha = QDoubleSpinBox()
        self.alpha.setRange(0.001, 0.2)
        self.alpha.setDecimals(3)
        self.alpha.setSingleStep(0.01)
        self.alpha.setToolTip(TIPS["alpha"])
        self.fdr = QCheckBox("FDR correction")
        self.fdr.setToolTip(TIPS["fdr"])
        al = QHBoxLayout()
        al.addWidget(self.alpha, 1)
        al.addWidget(self.fdr, 2)
        form.addRow("Alpha", al)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_147_483_647)
        self.seed.setToolTip(TIPS["seed"])
        form.addRow("Seed", self.seed)
        self.keep_partners = QCheckBox("Keep partner places in the plan")
        self.keep_partners.setToolTip(
            "Hospital sites, police stations, prisons and shops where most crime is shoplifting are left out of "
            "the patrol spots and zones by default and listed for the partner (partner_places.csv). Tick to keep "
            "them in the plan.")
        form.addRow("Patrol plan", self.keep_partners)
        self.zones = QSpinBox()
        self.zones.setRange(1, 200)
        self.zones.setValue(40)
        self.zones.setToolTip("At most this many patrol zones: compact groups of the top-ranked 150 m cells, "
                              "each fitting a 2 km square (default 40)")
        self.zone_share = QDoubleSpinBox()
        self.zone_share.setRange(1.0, 90.0)
        self.zone_share.setDecimals(0)
        self.zone_share.setSuffix("% of crime")
        self.zone_share.setValue(35.0)
        self.zone_share.setToolTip("Zones are built from the top-ranked cells that together hold this share of the "
                                   "crime (default 35%); more makes larger zones that hold more crime")
        zl = QHBoxLayout()
        zl.addWidget(self.zones, 1)
        zl.addWidget(self.zone_share, 2)
        form.addRow("Patrol zones", zl)

        self.run_button = QPushButton("Run analysis")
        self.run_button.setToolTip("Count, test and map with these settings (Ctrl+R)")
        self.run_button.setMinimumHeight(34)
        f = self.run_button.font()
        f.setBold(True)
        self.run_button.setFont(f)
        self.run_button.clicked.connect(self.runRequested)

        for combo in (self.preset, self.month_from, self.month_to, self.measure, self.display, self.weights_kind):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(7)
        inner = QWidget()
        il = QVBoxLayout(inner)
        il.setContentsMargins(0, 0, 4, 0)
        il.addWidget(form_box)
        il.addWidget(types_box)
        il.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        lay = QVBoxLayout(self)  # the Run button stays in view however small the window
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.run_button)
        state.layersChanged.connect(self.refresh_from_layers)
        state.analysisChanged.connect(self._from_state_settings)
        self.set_settings(Settings())
        self.refresh_from_layers()

    # -- state -> widgets ------------------------------------------------------------------
    def refresh_from_layers(self) -> None:
        """Months, type counts and which measures/displays make sense for the loaded layers."""
        months = self.state.months()
        keep_from, keep_to = self.month_from.currentData(), self.month_to.currentData()
        for combo, keep, default in ((self.month_from, keep_from, 0), (self.month_to, keep_to, len(months) - 1)):
            combo.blockSignals(True)
            combo.clear()
            for m in months:
                combo.addItem(m, m)
            idx = combo.findData(keep) if keep else -1
            combo.setCurrentIndex(idx if idx >= 0 else default)
            combo.setEnabled(bool(months))
            combo.blockSignals(False)
        counts = self.state.crime_type_counts()
        for name, cb in self.type_boxes.items():
            n = counts.get(name, 0)
            cb.setText(f"{name} ({n:,})" if counts else name)
            cb.setToolTip(f"{n:,} {name.lower()} records in the loaded crime files" if counts else name)
        has_pop = self.state.layers.population is not None
        self._enable_item(self.measure, "rate", has_pop, "needs a population layer")
        has_ss = self.state.layers.streetsafe is not None
        self._enable_item(self.display, "fear", has_ss, "needs a StreetSafe layer")
        self._enable_item(self.display, "emerging", len(months) >= 10, "needs 10 months")
        self.run_button.setEnabled(self.state.can_analyse())

    @staticmethod
    def _enable_item(combo: QComboBox, key: str, enabled: bool, why: str) -> None:
        idx = combo.findData(key)
        item = combo.model().item(idx)  # type: ignore[attr-defined]
        item.setEnabled(enabled)
        label = combo.itemText(idx).split(" [")[0]
        combo.setItemText(idx, label if enabled else f"{label} [{why}]")
        if not enabled and combo.currentIndex() == idx:
            combo.setCurrentIndex(0)

    def _from_state_settings(self) -> None:
        if self.state.output is not None:
            self.set_settings(self.state.output.analysis.settings)

    def set_settings(self, s: Settings) -> None:
        """Show ``s`` in the widgets (signals blocked so nothing re-runs)."""
        chosen = set(s.crime_types or CATEGORIES)
        for name, cb in self.type_boxes.items():
            cb.blockSignals(True)
            cb.setChecked(name in chosen)
            cb.blockSignals(False)
        self._sync_preset()
        for combo, m, default in ((self.month_from, s.month_from, 0),
                                  (self.month_to, s.month_to, self.month_to.count() - 1)):
            idx = combo.findData(m) if m else -1
            combo.setCurrentIndex(idx if idx >= 0 else default)  # no month: the whole range
        self.measure.setCurrentIndex(max(0, self.measure.findData(s.measure)))
        kind, _, param = s.weights.partition(":")
        self.weights_kind.setCurrentIndex(max(0, self.weights_kind.findData(kind)))
        self._weights_kind_changed()
        if param:
            self.weights_param.setValue(int(float(param)))
        self.permutations.setValue(int(s.permutations))
        self.alpha.setValue(float(s.alpha))
        self.fdr.setChecked(bool(s.fdr))
        self.seed.setValue(int(s.seed))
        self.keep_partners.setChecked(bool(getattr(s, "keep_partner_places", False)))
        self.zones.setValue(int(getattr(s, "zones", 40)))
        self.zone_share.setValue(100.0 * float(getattr(s, "zone_share", 0.35)))

    # -- widgets -> settings ---------------------------------------------------------------
    def selected_types(self) -> list[str] | None:
        chosen = [n for n, cb in self.type_boxes.items() if cb.isChecked()]
        return None if len(chosen) == len(self.type_boxes) else chosen

    def weights_spec(self) -> str:
        kind = self.weights_kind.currentData()
        return kind if kind in ("queen", "rook") else f"{kind}:{self.weights_param.value()}"

    def settings(self) -> Settings:
        """The engine Settings the widgets describe (validated by the engine on Run)."""
        months = self.state.months()
        mf, mt = self.month_from.currentData(), self.month_to.currentData()
        base = self.state.study.settings
        return Settings(
            crime_types=self.selected_types(),
            month_from=mf if months and mf != months[0] else None,
            month_to=mt if months and mt != months[-1] else None,
            measure=self.measure.currentData(), weights=self.weights_spec(),
            permutations=self.permutations.value(), seed=self.seed.value(), alpha=round(self.alpha.value(), 3),
            fdr=self.fdr.isChecked(), zone_rule=base.zone_rule, n_jobs=self.n_jobs,
            harm_weights=base.harm_weights, keep_partner_places=self.keep_partners.isChecked(),
            zones=self.zones.value(), zone_share=round(self.zone_share.value() / 100.0, 2),
        )

    def display_key(self) -> str:
        return str(self.display.currentData())

    # -- slots -----------------------------------------------------------------------------
    def _preset_chosen(self, name: str) -> None:
        if name not in PRESETS:
            return
        chosen = set(PRESETS[name])
        for n, cb in self.type_boxes.items():
            cb.blockSignals(True)
            cb.setChecked(n in chosen)
            cb.blockSignals(False)

    def _types_toggled(self) -> None:
        self._sync_preset()

    def _sync_preset(self) -> None:
        chosen = {n for n, cb in self.type_boxes.items() if cb.isChecked()}
        match = next((p for p, types in PRESETS.items() if set(types) == chosen), _CUSTOM)
        self.preset.blockSignals(True)
        self.preset.setCurrentText(match)
        self.preset.blockSignals(False)

    def _weights_kind_changed(self) -> None:
        kind = self.weights_kind.currentData()
        p = self.weights_param
        p.blockSignals(True)
        if kind == "knn":
            p.setRange(1, 50)
            p.setSuffix(" neighbours")
            p.setValue(8)
        elif kind == "distance":
            p.setRange(50, 50_000)
            p.setSingleStep(250)
            p.setSuffix(" m")
            p.setValue(1500)
        p.setEnabled(kind in ("knn", "distance"))
        p.setVisible(kind in ("knn", "distance"))
        p.blockSignals(False)

    def _display_changed(self) -> None:
        key = self.display_key()
        self.display.setToolTip(TIPS.get(key, ""))
        self.displayChanged.emit(key)
