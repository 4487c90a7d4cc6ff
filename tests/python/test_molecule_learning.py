"""soapgap.molecules learning helpers: GP regression with per-structure noise and Delta-learning,
the SVM classifier, atom-wise contributions, indefinite kernels; on matrices and on ase.Atoms."""
import numpy as np
import pytest
from ase.build import molecule

from soapgap.molecules import (KernelRegression, MoleculeClassifier, MoleculeRegression, SVMClassifier,
                               atom_contributions, nearest_psd, noise_from_discrepancy, select_frames,
                               smallest_eigenvalue, structure_kernel)

DESC = "soap n_max=4 l_max=3 cutoff=3.5 atom_sigma=0.5"
NAMES = ["CH4", "NH3", "H2O", "C2H6", "CH3OH", "C2H4", "HCN", "CH3CHO", "CH3CH2OH", "HCOOH", "C2H2", "H2CO"]


@pytest.fixture(scope="module")
def frames():
    return [molecule(n) for n in NAMES]


def random_psd(n, m, seed):
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n + m, 6)) + np.array([2, 0, 0, 0, 0, 0])
    F /= np.linalg.norm(F, axis=1)[:, None]
    G = (F @ F.T) ** 2
    y = 2 * F[:n, 1] - F[:n, 2] + 0.05 * rng.normal(size=n) + 3
    return G[:n, :n], G[n:, :n], np.diag(G)[n:], y


def dense_gp(K, y, noise, s2, mu, Ks, ds):
    A = s2 * K + np.diag(noise)
    Ai = np.linalg.inv(A)
    mean = mu + s2 * Ks @ Ai @ (y - mu)
    var = s2 * ds - s2 ** 2 * np.einsum("ij,jk,ik->i", Ks, Ai, Ks)
    return mean, var


@pytest.mark.parametrize("constant_mean", [False, True])
def test_regression_equals_the_exact_gp(constant_mean):
    K, Ks, ds, y = random_psd(15, 7, 1)
    noise = np.random.default_rng(2).uniform(0.01, 0.3, size=15)
    reg = KernelRegression(signal_variance=1.8, constant_mean=constant_mean).fit(K, y, noise)
    mu = y.mean() if constant_mean else 0.0
    mean, var = dense_gp(K, y, noise, 1.8, mu, Ks, ds)
    m, s = reg.predict(Ks, diag=ds, return_std=True)
    assert np.allclose(m, mean, atol=1e-10, rtol=0)
    assert np.allclose(s ** 2, var, atol=1e-10, rtol=0)
    assert np.allclose(Ks @ reg.weights_ + reg.mean_, m, atol=1e-12)
    A = 1.8 * K + np.diag(noise)
    r = y - mu
    lml = -0.5 * r @ np.linalg.solve(A, r) - 0.5 * np.linalg.slogdet(A)[1] - 0.5 * len(y) * np.log(2 * np.pi)
    assert abs(reg.log_marginal_likelihood - lml) < 1e-9
    assert reg.n_clipped == 0


def test_delta_learning_and_per_sample_noise():
    K, Ks, ds, y = random_psd(12, 5, 3)
    rng = np.random.default_rng(4)
    b, bs = 0.7 * y + rng.normal(size=12), rng.normal(size=5)
    delta = KernelRegression(constant_mean=True).fit(K, y, 0.02, baseline=b)
    on_diff = KernelRegression(constant_mean=True).fit(K, y - b, 0.02)
    direct = KernelRegression(constant_mean=True).fit(K, y, 0.02)
    assert np.allclose(delta.predict(Ks, baseline=bs), bs + on_diff.predict(Ks), atol=1e-12)
    assert np.abs(delta.predict(Ks, baseline=bs) - direct.predict(Ks)).max() > 1e-3
    with pytest.raises(ValueError, match="baseline"):
        delta.predict(Ks)
    # a structure with a huge noise has no influence: same as leaving it out
    noise = np.full(12, 0.01)
    noise[3] = 1e14
    y2 = y.copy()
    y2[3] += 1e3
    keep = [i for i in range(12) if i != 3]
    full = KernelRegression().fit(K, y2, noise)
    drop = KernelRegression().fit(K[np.ix_(keep, keep)], y[keep], 0.01)
    assert np.allclose(full.predict(Ks), drop.predict(Ks[:, keep]), atol=1e-9)
    # noise from a discrepancy: sigma0^2 exp(d^2 / lambda^2)
    d = np.array([0.0, 0.05, 0.2])
    assert np.allclose(noise_from_discrepancy(d, 0.01, 0.1), 1e-4 * np.exp(d ** 2 / 0.01))


def test_regression_errors():
    K, Ks, ds, y = random_psd(5, 2, 5)
    with pytest.raises(ValueError, match="noise_variance"):
        KernelRegression().fit(K, y, -1.0)
    with pytest.raises(ValueError, match="noise_variance"):
        KernelRegression().fit(K, y, np.ones(4))
    with pytest.raises(ValueError, match="y:"):
        KernelRegression().fit(K, y[:3], 0.1)
    with pytest.raises(ValueError, match="K:"):
        KernelRegression().fit(K[:, :4], y, 0.1)
    with pytest.raises(ValueError, match="K_star"):
        KernelRegression().fit(K, y, 0.1).predict(Ks[:, :3])
    with pytest.raises(ValueError, match="fit"):
        KernelRegression().predict(Ks)


def test_match_kernel_indefinite_handling(frames):
    # match kernels of molecules: find the clipped solution when the matrix is indefinite
    K = structure_kernel(frames, descriptor=DESC, kind="match")
    lmin = smallest_eigenvalue(K)
    assert np.isclose(lmin, np.linalg.eigvalsh(K).min(), atol=1e-12)
    y = np.arange(len(frames), dtype=float)
    reg = KernelRegression().fit(K, y, 0.01)
    assert np.isclose(reg.smallest_eigenvalue, lmin, atol=1e-12)
    w, V = np.linalg.eigh(K)
    Kc = (V * np.clip(w, 0, None)) @ V.T
    if lmin < -1e-10 * np.abs(w).max():
        assert reg.n_clipped == int((w < 0).sum()) > 0
        ref = Kc
    else:
        assert reg.n_clipped == 0
        ref = K
    assert np.allclose(nearest_psd(K)[0], Kc, atol=1e-12)
    mean, _ = dense_gp(ref, y, np.full(len(y), 0.01), 1.0, 0.0, K[:3], np.ones(3))
    assert np.allclose(reg.predict(K[:3]), mean, atol=1e-10)
    # a hand-made indefinite matrix is always clipped
    A = np.array([[1, 0.99, -0.9], [0.99, 1, 0.99], [-0.9, 0.99, 1]])
    r = KernelRegression().fit(A, [1.0, 2.0, 3.0], 1e-3)
    assert r.n_clipped == 1 and r.smallest_eigenvalue < -0.5


def blobs(n, sep, seed):
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    X = rng.normal(size=(n, 2)) + np.outer(y, [sep / 2, 0.5])
    return X, y


def check_kkt(K, y, svm, tol):
    z = svm.decision_function(K)
    a = svm.weights_ * y
    assert abs(svm.weights_.sum()) < 1e-10
    assert np.all(a >= 0) and np.all(a <= svm.C)
    yz = y * z
    assert np.all(yz[a == 0] >= 1 - tol)
    assert np.all(yz[a == svm.C] <= 1 + tol)
    free = (a > 0) & (a < svm.C)
    assert np.allclose(yz[free], 1, atol=tol)


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_svm_separable_blobs(kernel):
    X, y = blobs(60, 8.0, 6)
    Xt, yt = blobs(80, 8.0, 7)
    f = (lambda A, B: A @ B.T) if kernel == "linear" else \
        (lambda A, B: np.exp(-((A[:, None] - B[None]) ** 2).sum(-1) / 8.0))
    svm = SVMClassifier(C=1000, tolerance=1e-9).fit(f(X, X), y)
    check_kkt(f(X, X), y, svm, 1e-7)
    assert np.all(svm.predict(f(X, X)) == y) and np.all(svm.predict(f(Xt, X)) == yt)
    assert np.allclose(f(Xt, X)[:, svm.support_] @ svm.dual_coef_ + svm.intercept_, svm.decision_function(f(Xt, X)))


def test_svm_matches_sklearn():
    sklearn_svm = pytest.importorskip("sklearn.svm")
    X, y = blobs(50, 1.5, 8)
    K = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1) / 2.0)
    ours = SVMClassifier(C=2.0, tolerance=1e-10).fit(K, y)
    ref = sklearn_svm.SVC(C=2.0, kernel="precomputed", tol=1e-10).fit(K, y)
    assert np.allclose(ours.decision_function(K), ref.decision_function(K), atol=1e-6)


def test_svm_matches_a_generic_qp_solver():
    # The dual solved by scipy's SLSQP on a small overlapping set: same objective and decisions.
    optimize = pytest.importorskip("scipy.optimize")
    X, y = blobs(20, 1.0, 9)
    K = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1) / 2.0)
    C = 1.5
    Q = (y[:, None] * y[None]) * K
    res = optimize.minimize(lambda a: 0.5 * a @ Q @ a - a.sum(), np.full(20, 0.1), jac=lambda a: Q @ a - 1,
                            bounds=[(0, C)] * 20, constraints=[{"type": "eq", "fun": lambda a: a @ y, "jac": lambda a: y}],
                            method="SLSQP", options={"ftol": 1e-14, "maxiter": 1000})
    ours = SVMClassifier(C=C, tolerance=1e-10).fit(K, y)
    assert abs(ours.objective_ - res.fun) < 1e-7
    assert np.allclose(ours.weights_, res.x * y, atol=1e-4)


def test_svm_errors():
    K = np.eye(4)
    with pytest.raises(ValueError, match="labels"):
        SVMClassifier().fit(K, [1, -1, 0, 1])
    with pytest.raises(ValueError, match="both classes"):
        SVMClassifier().fit(K, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="labels"):
        SVMClassifier().fit(K, [1, -1])
    with pytest.raises(ValueError, match="C must"):
        SVMClassifier(C=0)
    with pytest.raises(ValueError, match="K_star"):
        SVMClassifier().fit(K, [1, -1, 1, -1]).decision_function(np.ones((2, 3)))


@pytest.mark.parametrize("kind", ["average", "match", "rematch"])
@pytest.mark.parametrize("zeta", [1, 2])
def test_atom_contributions_sum_to_the_decision(frames, kind, zeta):
    train, test = frames[:8], frames[8:] + [molecule("CH3OH"), molecule("C2H6")]
    labels = np.array([1 if "O" in a.get_chemical_formula() else -1 for a in train])
    clf = MoleculeClassifier(descriptor=DESC, kind=kind, gamma=0.2, zeta=zeta, C=10).fit(train, labels)
    z = clf.decision_function(test)
    dz = clf.atom_contributions(test)
    assert [len(d) for d in dz] == [len(a) for a in test]
    assert np.allclose([d.sum() for d in dz], z - clf.model.intercept_, atol=1e-10, rtol=0)
    # the free function, and regression weights too
    dz2 = atom_contributions(test, train, clf.model, descriptor=DESC, kind=kind, gamma=0.2, zeta=zeta)
    assert all(np.allclose(a, b, atol=1e-14) for a, b in zip(dz, dz2))
    reg = MoleculeRegression(descriptor=DESC, kind=kind, gamma=0.2, zeta=zeta, constant_mean=True).fit(
        train, np.arange(8.0), 0.01)
    df = reg.atom_contributions(test)
    assert np.allclose([d.sum() for d in df], reg.predict(test) - reg.model.mean_, atol=1e-10, rtol=0)


@pytest.mark.parametrize("kind", ["average", "rematch"])
def test_atom_contributions_follow_a_permutation(frames, kind):
    train = frames[:8]
    labels = np.array([1, -1] * 4)
    clf = MoleculeClassifier(descriptor=DESC, kind=kind, C=10).fit(train, labels)
    a = molecule("CH3CH2OH")
    perm = np.random.default_rng(0).permutation(len(a))
    d, dp = clf.atom_contributions([a, a[perm]])
    assert np.allclose(dp, d[perm], atol=1e-8)


def test_regression_and_selection_on_frames(frames):
    # Delta-learning on frames: a per-atom baseline plus a structure-dependent remainder
    E = np.array([len(a) * -1.0 + 0.1 * i for i, a in enumerate(frames)])
    base = np.array([len(a) * -1.0 for a in frames])
    train = select_frames(frames, 8, method="fps", first=0, descriptor=DESC)
    assert len(set(train)) == 8 and train[0] == 0
    test = [i for i in range(len(frames)) if i not in train]
    reg = MoleculeRegression(descriptor=DESC, kind="rematch").fit(
        [frames[i] for i in train], E[train], noise_variance=1e-6, baseline=base[train])
    mean, std = reg.predict([frames[i] for i in train], baseline=base[train], return_std=True)
    assert np.allclose(mean, E[train], atol=1e-3) and np.all(std < 1e-2)
    mean_t, std_t = reg.predict([frames[i] for i in test], baseline=base[test], return_std=True)
    assert mean_t.shape == (len(test),) and np.all(std_t >= 0)
    assert select_frames(frames, 5, method="random", seed=3) == select_frames(frames, 5, method="random", seed=3)
    with pytest.raises(ValueError, match="method"):
        select_frames(frames, 3, method="best")
