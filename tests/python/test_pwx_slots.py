"""fitting/datasets/silicon/pwx_slots.pwx_turn: pw.x slots are taken in arrival order. With one
slot held by a process that asks again at once when it lets go (as a relaxation does between
SCFs), the two processes that queued meanwhile get the slot first; with two slots two run at
once; a dead waiter's ticket does not block the queue; threads of one process take turns like processes."""
import multiprocessing as mp
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "fitting", "datasets", "silicon"))
import pwx_slots  # noqa: E402


def worker(tmp, name, turns, hold, delay, events):
    time.sleep(delay)
    for _ in range(turns):
        with pwx_slots.pwx_turn(lock=os.path.join(tmp, "lock"), queue=os.path.join(tmp, "queue"), poll=0.05):
            events.put((name, "start", time.time()))
            time.sleep(hold)
            events.put((name, "end", time.time()))


def run(tmp, specs, slots):
    os.environ["SOAPGAP_PWX_SLOTS"] = str(slots)
    ctx = mp.get_context("fork")
    events = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(tmp, *s, events)) for s in specs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    out = []
    while not events.empty():
        out.append(events.get())
    return sorted(out, key=lambda e: e[2])


def test_first_come_first_served(tmp_path):
    # "relax" takes the slot first and asks again at once, twice; A and B queue while it runs
    ev = run(str(tmp_path), [("relax", 3, 0.6, 0.0), ("A", 1, 0.2, 0.2), ("B", 1, 0.2, 0.3)], slots=1)
    starts = [e[0] for e in ev if e[1] == "start"]
    assert starts == ["relax", "A", "B", "relax", "relax"]
    assert os.listdir(tmp_path / "queue") == []


def test_two_slots_run_together(tmp_path):
    ev = run(str(tmp_path), [("A", 1, 0.5, 0.0), ("B", 1, 0.5, 0.1)], slots=2)
    t = {(e[0], e[1]): e[2] for e in ev}
    assert t[("B", "start")] < t[("A", "end")]


def test_dead_ticket_is_skipped(tmp_path):
    q = tmp_path / "queue"
    q.mkdir()
    (q / ("%020d-%d" % (1, 2 ** 22 + 12345))).write_text("")     # an old ticket of no live process
    os.environ["SOAPGAP_PWX_SLOTS"] = "1"
    t0 = time.time()
    with pwx_slots.pwx_turn(lock=str(tmp_path / "lock"), queue=str(q), poll=0.05):
        pass
    assert time.time() - t0 < 2 and os.listdir(q) == []


def test_threads_of_one_process_take_turns_too(tmp_path):
    # the learning loop's labeller ([labeller] parallel = 2) asks for slots from two threads
    import threading

    events = []
    lock = threading.Lock()

    def body(name):
        with pwx_slots.pwx_turn(lock=str(tmp_path / "lock"), queue=str(tmp_path / "queue"), poll=0.05):
            with lock:
                events.append((name, "start", time.time()))
            time.sleep(0.3)
            with lock:
                events.append((name, "end", time.time()))

    for slots, together in ((1, False), (2, True)):
        os.environ["SOAPGAP_PWX_SLOTS"] = str(slots)
        events.clear()
        threads = [threading.Thread(target=body, args=(n,)) for n in ("A", "B")]
        for t in threads:
            t.start()
            time.sleep(0.05)
        for t in threads:
            t.join(10)
        t_ = {(e[0], e[1]): e[2] for e in events}
        assert (t_[("B", "start")] < t_[("A", "end")]) == together, (slots, events)
