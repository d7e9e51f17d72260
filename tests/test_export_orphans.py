"""Export workers never outlive the CLI, never hold its output, and a dead one is said plainly.

Issue #26: kill -9 of the CLI left its forked or spawned export child behind (holding 0.5 GB,
or the caller's stderr pipe, so a script reading the CLI's output never returned); a killed
child surfaced as ``unexpected BrokenProcessPool``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hotspots.export import parallel
from hotspots.runtime.failures import OutOfMemory, WorkerStopped, as_failure

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc and prctl")


def _family(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` or whose session ``pid`` leads (orphans keep the session)."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == pid:
            continue
        try:
            fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and (int(fields[1]) == pid or int(fields[3]) == pid):
            found.append(int(d))
    return found


def _cli_env(mode: str) -> dict[str, str]:
    env = dict(os.environ, HOTSPOTS_CHILD_MODE=mode)
    env.pop("HOTSPOTS_NO_FORK", None)
    return env


@pytest.mark.parametrize("mode, when", [("fork", "alongside"), ("spawn", "alongside"),
                                        ("spawn", "Building patrol zones")])  # the warm child, mid-analysis
def test_sigkill_of_the_cli_mid_export_leaves_no_process_and_no_open_pipe(mode: str, when: str, tmp_path: Path) -> None:
    from hotspots.study import demo_study

    if not Path(demo_study().boundaries).exists():
        pytest.skip("demo data not generated")
    cmd = [sys.executable, "-m", "hotspots.cli", "analyse", "--demo", "--out", str(tmp_path / "out"),
           "--permutations", "99"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env=_cli_env(mode))
    try:
        seen = []
        for raw in proc.stderr:  # wait until the child has been started
            seen.append(raw.decode(errors="replace"))
            if when in seen[-1]:
                break
        assert seen and when in seen[-1], "".join(seen)
        deadline = time.monotonic() + 20
        while not _family(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _family(proc.pid), "no export child was started: the test would prove nothing"
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
        readers = [threading.Thread(target=stream.read, daemon=True) for stream in (proc.stdout, proc.stderr)]
        for r in readers:
            r.start()
        for r, name in zip(readers, ("stdout", "stderr"), strict=True):
            r.join(8)
            assert not r.is_alive(), f"the CLI's {name} stayed open after it was killed (a child holds it)"
        proc.wait(5)
        time.sleep(5)
        left = _family(proc.pid)
        assert not left, f"processes left 5 s after kill -9 of the CLI: {left}"
    finally:
        for pid in [proc.pid, *_family(proc.pid)]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _suicide(name: str) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _where_output_goes(name: str) -> str:
    print("child text that must not reach the caller")  # noqa: T201
    return os.readlink("/proc/self/fd/1") + "|" + os.readlink("/proc/self/fd/2")


def test_a_killed_child_is_a_clear_failure(tmp_path: Path) -> None:
    pool, future = parallel.start_alongside(["briefing.pdf"], _suicide, tmp_path)
    with pytest.raises(WorkerStopped) as err:
        parallel.collect(pool, future)
    text = err.value.describe()
    assert "briefing writer stopped unexpectedly" in text and "SIGKILL" in text and "memory" in text
    assert not list(tmp_path.glob(f"{parallel.LOG_PREFIX}*")), "the child's log must not be left in the staging folder"


def test_the_child_writes_to_its_log_not_to_the_callers_output(tmp_path: Path) -> None:
    pool, future = parallel.start_alongside(["x"], _where_output_goes, tmp_path)
    [(name, where, _secs)] = parallel.collect(pool, future)
    out, err = where.split("|")
    assert out == err and Path(out).parent == tmp_path and Path(out).name.startswith(parallel.LOG_PREFIX)


def test_the_guard_ends_a_child_whose_parent_is_gone() -> None:
    """A child whose parent id is not the one it was given exits at once (the race before prctl)."""
    code = ("import os, sys; from hotspots.export.parallel import guard_child; "
            "guard_child(os.getppid() + 10**6, None); print('still here')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "still here" not in r.stdout


@pytest.mark.parametrize("exc, kind", [
    (MemoryError(), OutOfMemory),
    (ImportError("libgdal.so: failed to map segment from shared object"), OutOfMemory),
    (OSError(12, "Cannot allocate memory"), OutOfMemory),
    (RuntimeError("can't start new thread"), OutOfMemory),
])
def test_memory_failures_name_the_stage(exc: BaseException, kind: type) -> None:
    f = as_failure(exc, "Writing spreadsheet (hotspots.xlsx)")
    assert isinstance(f, kind) and "ran out of memory while writing spreadsheet" in f.describe()
    assert "--no-exports" in f.describe()
    assert as_failure(ValueError("a bug")) is None and as_failure(ImportError("No module named x")) is None


def test_broken_pool_is_said_plainly() -> None:
    from concurrent.futures.process import BrokenProcessPool

    f = as_failure(BrokenProcessPool("A process in the process pool was terminated abruptly"))
    assert isinstance(f, WorkerStopped) and "stopped unexpectedly" in f.describe()


def test_cli_says_a_memory_failure_in_one_line(monkeypatch, capsys, tmp_path: Path) -> None:
    import hotspots.pipeline
    from hotspots import cli

    def boom(*a, progress=None, **k):
        if progress:
            progress("Writing patrol map (patrol_map.html)", 0.5)
        raise MemoryError()

    monkeypatch.setattr(hotspots.pipeline, "run_study", boom)
    rc = cli.main(["analyse", "--demo", "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1
    assert err[0].startswith("error: ran out of memory while writing patrol map") and "unexpected" not in err[0]


@pytest.mark.parametrize("limit_mb", [700, 1200])
def test_an_address_space_limit_gives_a_clear_end(limit_mb: int, tmp_path: Path) -> None:
    """Under ``prlimit --as`` the CLI completes or says it ran out of memory: never a traceback,
    never ``unexpected ImportError``/``BrokenProcessPool`` (#27 item 10)."""
    import resource

    from hotspots.study import demo_study

    if not Path(demo_study().boundaries).exists():
        pytest.skip("demo data not generated")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    env = _cli_env("fork")
    env.pop("HOTSPOTS_CHILD_MODE")
    r = subprocess.run([sys.executable, "-m", "hotspots.cli", "analyse", "--demo", "--out", str(tmp_path / "o"),
                        "--permutations", "99", "--quiet"], capture_output=True, text=True, timeout=300,
                       preexec_fn=limit, env=env)
    lines = r.stderr.strip().splitlines()
    assert "Traceback" not in r.stderr and "unexpected" not in r.stderr, r.stderr[-2000:]
    assert r.returncode == 0 or (r.returncode == 1 and lines[-1].startswith("error: ")
                                 and ("ran out of memory" in lines[-1] or "stopped unexpectedly" in lines[-1]))
