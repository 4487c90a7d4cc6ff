"""The silicon database's labeller for `soapgap learn` (`[labeller] kind = "python"`).

    [labeller]
    kind = "python"
    labeller = "../al_labeller.py:DatabaseLabeller"
    parallel = 2      # as many as SOAPGAP_PWX_SLOTS: two pw.x at once on a 2-core machine

Labels a configuration chosen by the learning loop exactly as label_qe.py labels a candidate:
the settings of settings.json (same settings hash), the same k-point rule, SCF retries and
provenance keys (settings_hash, dft_code, kgrid, koffset, wall_s, n_scf_iter, labelled_at), the
pw.x input/output kept under the scratch directory as outputs/al-<al_id>.pw[io]. Every pw.x
calculation, here, in label_qe.py and in relax_pbe.py, holds a pw.x slot (pwx_slots.py, first
come first served), so the learning loop, the candidate labeller and the relaxations take turns.
A configuration whose SCF fails twice raises RuntimeError (the loop stops; rerunning it retries).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import label_qe  # noqa: E402
import pwx_slots  # noqa: E402
import settings as S  # noqa: E402

class DatabaseLabeller:
    name = "silicon-database-qe"
    # [labeller] parallel: each label runs pw.x in a directory of its own (label_qe.run_one) and
    # holds its own pw.x slot (pwx_slots: the threads of one process queue like processes)
    thread_safe = True

    def __init__(self):
        S.setup_env()
        self.settings = S.load_settings()
        self.hash = S.settings_hash(self.settings)

    def describe(self):
        return "Quantum ESPRESSO with the silicon database settings (hash %s)" % self.hash

    def label(self, atoms):
        al_id = atoms.info.get("al_id", "unnamed")
        cand = atoms.copy()
        cand.calc = None
        cand.info = {"config_type": atoms.info.get("config_type", "active_learning"),
                     "candidate_id": "al-%s" % al_id,
                     "note": "soapgap learn: %s" % al_id}
        with pwx_slots.pwx_turn():
            frame, reason = label_qe.run_one(cand, self.settings, self.hash)
        if frame is None:
            raise RuntimeError("pw.x could not label %s: %s" % (al_id, reason))
        out = atoms.copy()
        out.calc = None
        for key, value in frame.info.items():
            if key not in ("config_type", "note"):
                out.info[key] = value
        out.arrays["forces"] = frame.arrays["forces"]
        return out
