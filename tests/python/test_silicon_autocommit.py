"""fitting/datasets/silicon/autocommit.py: a landed label is committed with its id in the
message; code being edited in the same folder and files staged elsewhere are not."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "fitting", "datasets", "silicon", "autocommit.py")

FRAME = """2
Lattice="5.0 0.0 0.0 0.0 5.0 0.0 0.0 0.0 5.0" Properties=species:S:1:pos:R:3 candidate_id={cid} note="a b" energy=-1.0 pbc="T T T"
Si 0.0 0.0 0.0
Si 1.3 1.3 1.3
"""


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, check=True, text=True, stdout=subprocess.PIPE).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_landed_label_is_committed_alone(tmp_path):
    repo = tmp_path / "repo"
    data = repo / "fitting" / "datasets" / "silicon"
    (data / "relax" / "vac").mkdir(parents=True)
    shutil.copy(SCRIPT, data / "autocommit.py")
    (data / "labelled.xyz").write_text(FRAME.format(cid="si-a-000"))
    (data / "relax" / "vac" / "steps.xyz").write_text(FRAME.format(cid="x").replace("candidate_id=x", "relaxation=vac step=0"))
    (data / "code.py").write_text("x = 1\n")
    (repo / "other.txt").write_text("one\n")
    git(repo, "init", "-q")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")

    def once():
        subprocess.run([sys.executable, str(data / "autocommit.py"), "--once"], check=True, env=env)

    once()  # nothing new: no commit
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"

    with open(data / "labelled.xyz", "a") as f:
        f.write(FRAME.format(cid="si-b-001"))
    with open(data / "relax" / "vac" / "steps.xyz", "a") as f:
        f.write(FRAME.format(cid="x").replace("candidate_id=x", "relaxation=vac step=1"))
    (data / "code.py").write_text("x = 2\n")      # being edited: must stay out
    (repo / "other.txt").write_text("two\n")
    git(repo, "add", "other.txt")                  # staged elsewhere: must stay staged, uncommitted
    once()
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"
    msg = git(repo, "log", "-1", "--format=%s")
    assert "2 labels landed" in msg and "si-b-001" in msg and "vac step 1" in msg and "si-a-000" not in msg
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == ["fitting/datasets/silicon/labelled.xyz", "fitting/datasets/silicon/relax/vac/steps.xyz"]
    status = git(repo, "status", "--porcelain")
    assert "M  other.txt" in status and " M fitting/datasets/silicon/code.py" in status
