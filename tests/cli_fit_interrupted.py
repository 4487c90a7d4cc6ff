#!/usr/bin/python3
"""`soapgap fit` interrupted by SIGINT (Ctrl-C), SIGTERM or SIGHUP at moments spread over the run:
while reading and fitting, while the potential file is being written (the signal sent as soon
as the temporary `OUTPUT.tmp.<pid>` appears) and after the rename (error evaluation).

After each run: the exit status is the signal's (or 0 when the fit had finished first); there
is no leftover `*.tmp.*` file; and the output is either absent (no earlier file), or an earlier
file unchanged byte for byte, or a complete new file that `soapgap info` reads with a verified
checksum. A signal that arrives during the write takes effect after the rename: those runs must
end with the new, complete file. Runs alternate between an output path that holds an earlier
potential and a fresh one.

Usage: cli_fit_interrupted.py --soapgap SOAPGAP --dataset-tool soapgap_example_sw_dataset [--workdir DIR]
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# ~2 s on an idle 2-core machine: 40 SW-labelled configurations (1430 atoms), 210 sparse points,
# a 0.6 MiB potential file with variance factors (written in a few ms), then ~1 s of error
# evaluation.
MODEL = [
    "--descriptor", "distance_2b cutoff=4.5 cutoff_transition_width=1 theta=0.4 delta=1 n_sparse=10",
    "--descriptor", "soap n_max=6 l_max=5 cutoff=4.5 cutoff_transition_width=1 atom_sigma=0.5 zeta=4 "
                    "delta=0.5 n_sparse=200",
    "--threads", "2", "--seed", "1",
]


def temporaries(directory):
    return sorted(n for n in os.listdir(directory) if ".tmp." in n)


class Runner:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.train = os.path.join(workdir, "train.xyz")
        self.failures = []

    def command(self, output):
        return [self.args.soapgap, "fit", "--train", self.train, "--output", output] + MODEL

    def fail(self, name, message):
        print(f"FAILED {name}: {message}", flush=True)
        self.failures.append(f"{name}: {message}")

    def run(self, name, when, sig=signal.SIGINT, previous=None):
        """One fit in a directory of its own, interrupted by `sig`: `when` is a delay in seconds, or
        "write": as soon as the temporary file appears, or "renamed": as soon as the fit reports
        that the file is written. `previous` (bytes) is written to the output path first.
        Returns (exit status, outcome, whether the signal arrived while the temporary existed)."""
        directory = os.path.join(self.workdir, name)
        os.makedirs(directory)
        output = os.path.join(directory, "pot.xml")
        if previous is not None:
            with open(output, "wb") as f:
                f.write(previous)
        t0 = time.monotonic()
        # Progress lines on stderr: "e0(Si) = ..." just before the write, "wrote ..." after it.
        proc = subprocess.Popen(self.command(output), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = []

        def read_until(marker):  # blocking reads: no CPU taken from the fit
            for line in proc.stderr:
                err.append(line)
                if marker in line:
                    return True
            return False

        during_write = False
        if when == "write":
            # Spin (listdir: ~20 us) from the last line before the write until the temporary
            # appears; the write lasts a few ms.
            if read_until(b"e0("):
                while proc.poll() is None and not temporaries(directory):
                    pass
                during_write = proc.poll() is None
        elif when == "renamed":
            read_until(b"wrote ")
        else:
            while proc.poll() is None and time.monotonic() - t0 < when:
                time.sleep(0.002)
        sent_at = None
        if proc.poll() is None:
            proc.send_signal(sig)
            sent_at = time.monotonic() - t0
        try:
            rest, _ = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            self.fail(name, "did not end within 120 s")
            return None, "hang", False
        err = b"".join(err) + (rest or b"")
        seconds = time.monotonic() - t0
        rc = proc.returncode

        if rc not in (0, -sig):
            self.fail(name, f"exit status {rc} (expected 0 or -{int(sig)}, killed by {sig.name}); stderr: {err.decode(errors='replace')[-500:]}")
        left = temporaries(directory)
        if left:
            self.fail(name, f"temporary files left behind: {left}")
        if not os.path.exists(output):
            outcome = "no output"
            if previous is not None:
                self.fail(name, "the earlier potential file was removed")
            if rc == 0:
                self.fail(name, "exit status 0 but no potential file")
        else:
            with open(output, "rb") as f:
                content = f.read()
            if previous is not None and content == previous:
                outcome = "earlier file unchanged"
                if rc == 0:
                    self.fail(name, "exit status 0 but the potential file was not replaced")
            else:
                outcome = "complete new file"
                info = subprocess.run([self.args.soapgap, "info", output], capture_output=True, text=True)
                if info.returncode != 0 or "checksum verified" not in info.stdout:
                    self.fail(name, f"the new file is not a complete potential: soapgap info exit {info.returncode}: "
                                    f"{(info.stdout + info.stderr)[-500:]}")
        if during_write and outcome != "complete new file":
            self.fail(name, f"a signal sent while the temporary existed should take effect after the rename, "
                            f"got: {outcome}")
        if when == "renamed" and outcome != "complete new file":
            self.fail(name, f"interrupted after the rename: expected the complete new file, got: {outcome}")
        sent = "not sent (fit ended)" if sent_at is None else f"{sig.name} at {sent_at:.3f} s"
        print(f"{name:14s} {sent:22s}{' (during the write)' if during_write else '':19s} exit {rc:4d}  "
              f"{seconds:5.2f} s  {outcome}", flush=True)
        return rc, outcome, during_write


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--soapgap", required=True)
    ap.add_argument("--dataset-tool", required=True)
    ap.add_argument("--workdir", help="kept afterwards (default: a temporary directory, removed)")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="soapgap_fit_interrupted_")
    if args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
    try:
        subprocess.run([args.dataset_tool, workdir, "10", "1"], check=True, capture_output=True)
        r = Runner(args, workdir)

        # An uninterrupted run: when it starts writing sets the delays.
        reference = os.path.join(workdir, "reference")
        os.makedirs(reference)
        t0 = time.monotonic()
        proc = subprocess.Popen(r.command(os.path.join(reference, "pot.xml")), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        t_write = None
        for line in proc.stderr:
            if t_write is None and b"e0(" in line:
                t_write = time.monotonic() - t0
        proc.wait()
        t_total = time.monotonic() - t0
        if proc.returncode != 0 or t_write is None:
            print(f"FAILED: the uninterrupted fit: exit {proc.returncode}, reached the write: {t_write is not None}")
            return 1
        with open(os.path.join(reference, "pot.xml"), "rb") as f:
            earlier = f.read()
        print(f"uninterrupted fit: {t_total:.2f} s, writes the potential at {t_write:.2f} s", flush=True)

        # (name, when: a fraction of t_write, "write" or "renamed" (see Runner.run), signal,
        # with an earlier file at the output path). The delays are a guide only (the machine's
        # load changes the timings): every outcome is checked whenever the signal arrives.
        plan = [
            ("start", 0.02, signal.SIGINT, True),
            ("fit_20pc", 0.2, signal.SIGINT, False),
            ("fit_50pc", 0.5, signal.SIGTERM, True),
            ("fit_80pc", 0.8, signal.SIGINT, True),
            ("fit_95pc", 0.95, signal.SIGHUP, False),
            ("write_1", "write", signal.SIGINT, True),
            ("write_2", "write", signal.SIGINT, False),
            ("write_3", "write", signal.SIGTERM, True),
            ("write_4", "write", signal.SIGHUP, False),
            ("evaluation_1", "renamed", signal.SIGINT, True),
            ("evaluation_2", "renamed", signal.SIGTERM, False),
        ]
        outcomes, hits = {}, 0
        for name, when, sig, with_earlier in plan:
            _, outcome, during_write = r.run(name, when * t_write if isinstance(when, float) else when, sig,
                                             earlier if with_earlier else None)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            hits += during_write
        if hits == 0:
            r.fail("write_*", "no signal arrived while the temporary file existed (the write was too quick to catch)")
        print("outcomes: " + ", ".join(f"{v} x {k}" for k, v in sorted(outcomes.items())) +
              f"; {hits} signals arrived during the write")
        if r.failures:
            print(f"{len(r.failures)} FAILED:\n  " + "\n  ".join(r.failures))
            return 1
        print("all checks passed")
        return 0
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
