"""Turn-taking of the pw.x calculations of every process of this folder (label_qe.py, the
active-learning labeller al_labeller.py, relax_pbe.py): at most SOAPGAP_PWX_SLOTS (default 1)
pw.x runs at a time. pw.x runs on one core, so 2 slots use both cores of a 2-core machine.

Slot k is an flock on .pwx.lock (k = 0) or .pwx.lock.k. Waiters queue first come, first served:
each leaves a ticket .pwx.queue/<time_ns>-<pid>, and only the oldest live ticket may take a free
slot. Without the queue a relaxation, which asks again within a second of its SCF ending, took
the slot back before the labellers (polling every 10 s) saw it free: three relaxations kept
both slots and the labellers waited for hours. Tickets of dead processes are removed.
"""
import contextlib
import fcntl
import os
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PWX_LOCK = os.path.join(HERE, ".pwx.lock")
PWX_QUEUE = os.path.join(HERE, ".pwx.queue")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _first(queue, ticket):
    """Whether `ticket` is the oldest live ticket in `queue`; removes the tickets of dead waiters."""
    for name in sorted(os.listdir(queue)):
        if name == ticket:
            return True
        try:
            pid = int(name.rsplit("-", 1)[1])
        except (IndexError, ValueError):
            continue
        if _alive(pid):
            return False
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(queue, name))
    return False


@contextlib.contextmanager
def pwx_turn(log_to=None, lock=None, queue=None, poll=2.0):
    """Holds one of the pw.x slots (blocking, in arrival order) for the body of the with."""
    lock, queue = lock or PWX_LOCK, queue or PWX_QUEUE
    slots = max(1, int(os.environ.get("SOAPGAP_PWX_SLOTS", "1")))
    os.makedirs(queue, exist_ok=True)
    ticket = "%020d-%d" % (time.time_ns(), os.getpid())
    tpath = os.path.join(queue, ticket)
    files = [open(lock if k == 0 else "%s.%d" % (lock, k), "a") for k in range(slots)]
    held, told = None, False
    try:
        open(tpath, "w").close()
        while held is None:
            if _first(queue, ticket):
                for f in files:
                    try:
                        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        held = f
                        break
                    except OSError:
                        pass
            if held is None:
                if log_to and not told:
                    log_to("waiting for a pw.x slot (%d busy or earlier in the queue: %s)" % (slots, queue))
                    told = True
                time.sleep(poll)
        os.remove(tpath)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tpath)
        if held is not None:
            fcntl.flock(held, fcntl.LOCK_UN)
        for f in files:
            f.close()
