"""Learning on structure kernels: GP regression (with delta-learning), SVM classification with
atom-wise contributions, and frame selection (docs/molecules.md). The kernels themselves are in
soapgap.molecules.kernels. C++: src/structure/structure_regression.h, svm_classifier.h,
atom_contributions.h, kernel_psd.h."""

import numpy as np

from ..selection import farthest_point_sampling
from .kernels import DEFAULT_DESCRIPTOR, KINDS, random_selection, structure_kernel

from .._soapgap import (_StructureRegression, _atom_contributions, _clip_negative_eigenvalues,
                       _noise_from_discrepancy, _smallest_eigenvalue, _svm_fit)

__all__ = ["smallest_eigenvalue", "nearest_psd", "noise_from_discrepancy", "KernelRegression", "SVMClassifier",
            "atom_contributions", "MoleculeRegression", "MoleculeClassifier", "select_frames"]



def _kernel(K, name, square=False, cols=None):
    K = np.asarray(K, dtype=float)
    if K.ndim != 2:
        raise ValueError("%s: expected a 2-d kernel matrix, got shape %s" % (name, K.shape))
    if square and K.shape[0] != K.shape[1]:
        raise ValueError("%s: expected a square matrix, got shape %s" % (name, K.shape))
    if cols is not None and K.shape[1] != cols:
        raise ValueError("%s: expected %d columns (one per training structure), got shape %s" % (name, cols, K.shape))
    if not np.all(np.isfinite(K)):
        raise ValueError("%s: NaN or Inf" % name)
    return K


def _vector(v, n, name, allow_scalar=False):
    v = np.asarray(v, dtype=float)
    if allow_scalar and v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,):
        raise ValueError("%s: expected %d values, got shape %s" % (name, n, v.shape))
    if not np.all(np.isfinite(v)):
        raise ValueError("%s: NaN or Inf" % name)
    return v


def smallest_eigenvalue(K):
    """The smallest eigenvalue of a symmetric kernel matrix. Negative (beyond rounding) means the
    kernel is not positive semi-definite, as can happen for kind="match" and "rematch"."""
    return float(_smallest_eigenvalue(_kernel(K, "K", square=True)))


def nearest_psd(K):
    """(K_psd, n_clipped): K with its negative eigenvalues set to 0 (the nearest PSD matrix in the
    Frobenius norm) and how many were negative."""
    Kp, n = _clip_negative_eigenvalues(_kernel(K, "K", square=True))
    return np.asarray(Kp), int(n)


def noise_from_discrepancy(d, sigma0, lam):
    """Noise variances sigma_i^2 = sigma0^2 exp(d_i^2 / lam^2) from a discrepancy d_i per structure
    (e.g. the RMSD between a cheap and an accurate geometry; d and lam in the same units, lam > 0).
    The result is in the units of sigma0^2 (e.g. eV^2 for sigma0 in eV): structures whose geometry
    is off by more than ~lam get a rapidly growing noise, hence little weight in the fit."""
    d = np.atleast_1d(np.asarray(d, dtype=float))
    if d.ndim != 1:
        raise ValueError("d: expected a 1-d array")
    if not lam > 0:
        raise ValueError("lam must be positive")
    if not sigma0 >= 0:
        raise ValueError("sigma0 must be >= 0")
    return np.asarray(_noise_from_discrepancy(d, float(sigma0), float(lam)))


class KernelRegression:
    """GP (kernel ridge) regression on a precomputed kernel matrix, with a noise variance per
    training structure and an optional baseline (Delta-learning).

    Model: y_i = b_i + mu + f(x_i) + e_i, f ~ GP(0, signal_variance * k), e_i ~ N(0, noise_i).
    - noise_variance: sigma_i^2 per training structure (or one value for all), target units^2
      (eV^2 for energies in eV); larger values weight a structure less (noise_from_discrepancy);
    - baseline: b_i, e.g. a cheaper method's energy: the GP learns y - b and predict() adds the
      baseline of the new structures (Delta-learning);
    - constant_mean: mu = the mean of y - b over the training set (else 0);
    - signal_variance: prior variance of f (target units^2); jitter: added to the diagonal.
    predict() gives the mean b + mu + sum_i w_i k(x, x_i) (weights_ = w) and, with return_std, the
    standard deviation of f (without the noise; in target units).

    Indefinite kernels (match, rematch): the eigenvalues of K are computed (smallest_eigenvalue);
    if the smallest is below -eigenvalue_tolerance * max|eigenvalue| the negative ones are set to 0
    (n_clipped says how many) and the model is that of the nearest PSD kernel. Predictions use the
    cross kernels as given, so a variance can come out negative: it is clipped to 0. With
    check_eigenvalues=False the decomposition is done only when Cholesky fails (smallest_eigenvalue
    is then NaN if it succeeded).
    """

    def __init__(self, signal_variance=1.0, jitter=0.0, constant_mean=False, check_eigenvalues=True,
                 eigenvalue_tolerance=1e-10):
        if not signal_variance > 0:
            raise ValueError("signal_variance must be positive")
        if not jitter >= 0:
            raise ValueError("jitter must be >= 0")
        self.signal_variance = float(signal_variance)
        self.jitter = float(jitter)
        self.constant_mean = bool(constant_mean)
        self.check_eigenvalues = bool(check_eigenvalues)
        self.eigenvalue_tolerance = float(eigenvalue_tolerance)
        self._model = None

    def fit(self, K, y, noise_variance, baseline=None):
        """K: n x n training kernel; y: n targets; noise_variance: sigma_i^2 (n values or one);
        baseline: n values or None. Returns self."""
        K = _kernel(K, "K", square=True)
        n = K.shape[0]
        if n == 0:
            raise ValueError("K: no training structures")
        y = _vector(y, n, "y")
        noise = _vector(noise_variance, n, "noise_variance", allow_scalar=True)
        if np.any(noise < 0):
            raise ValueError("noise_variance: negative values (these are variances, sigma_i^2 >= 0)")
        if baseline is not None:
            baseline = _vector(baseline, n, "baseline")
        self._model = _StructureRegression(K, y, noise, baseline, self.signal_variance, self.jitter,
                                           self.constant_mean, self.check_eigenvalues, self.eigenvalue_tolerance)
        return self

    def _fitted(self):
        if self._model is None:
            raise ValueError("the model is not fitted: call fit() first")
        return self._model

    @property
    def weights_(self):
        """w: the mean is b(x) + mu + sum_i w_i k(x, x_i)."""
        return np.asarray(self._fitted().weights)

    @property
    def mean_(self):
        return float(self._fitted().mean)

    @property
    def smallest_eigenvalue(self):
        return float(self._fitted().smallest_eigenvalue)

    @property
    def n_clipped(self):
        return int(self._fitted().n_clipped)

    @property
    def log_marginal_likelihood(self):
        return float(self._fitted().log_marginal_likelihood)

    def predict(self, K_star, diag=None, baseline=None, return_std=False):
        """K_star: m x n kernel between new and training structures. diag: k(x, x) of the new ones
        (default 1, as for the normalised structure kernels). baseline: m values, required when the
        fit had one. Returns the mean (m), or (mean, std) with return_std."""
        model = self._fitted()
        n = len(model.weights)
        K_star = _kernel(K_star, "K_star", cols=n)
        m = K_star.shape[0]
        if model.has_baseline:
            if baseline is None:
                raise ValueError("baseline: the model was fitted with a baseline; give one per structure")
            baseline = _vector(baseline, m, "baseline")
        elif baseline is not None:
            raise ValueError("baseline: the model was fitted without a baseline")
        mean = np.asarray(model.predict_mean(K_star, baseline))
        if not return_std:
            return mean
        diag = np.ones(m) if diag is None else _vector(diag, m, "diag")
        return mean, np.sqrt(np.asarray(model.predict_variance(K_star, diag)))


def _labels(labels, n):
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError("labels: expected %d values, got shape %s" % (n, labels.shape))
    try:
        lab = labels.astype(float)
    except (TypeError, ValueError):
        raise ValueError("labels: expected +1 or -1")
    if not np.all((lab == 1) | (lab == -1)):
        raise ValueError("labels: expected +1 or -1 only, got %s" % sorted(set(labels.tolist()))[:5])
    if not (np.any(lab == 1) and np.any(lab == -1)):
        raise ValueError("labels: both classes (+1 and -1) must be present")
    return lab


class SVMClassifier:
    """Binary support-vector classifier (C-SVC) on a precomputed kernel, solved by SMO with
    second-order working-set selection (Fan, Chen and Lin, JMLR 6, 1889 (2005)).

    Decision value z(x) = sum_i dual_coef_i k(x, x_support_i) + intercept_, class sign(z) (+1 for
    z >= 0). Labels are +1 and -1. tolerance bounds the KKT violation (units of z); more than
    max_iterations SMO steps is an error.

    Indefinite kernels (match, rematch): the dual is then not convex; a pair of negative curvature
    gets the curvature tau (Fan, Chen and Lin's rule), so SMO still converges, to a KKT point of the
    kernel as given (not necessarily the global optimum). The kernel is not modified;
    smallest_eigenvalue says how far from PSD it is (clip it with nearest_psd() before fit() if you
    prefer a convex problem, at the price of train/test kernels that no longer match).
    """

    def __init__(self, C=1.0, tolerance=1e-5, max_iterations=10_000_000, tau=1e-12):
        if not C > 0:
            raise ValueError("C must be positive")
        if not tolerance > 0:
            raise ValueError("tolerance must be positive")
        self.C = float(C)
        self.tolerance = float(tolerance)
        self.max_iterations = int(max_iterations)
        self.tau = float(tau)
        self.weights_ = None

    def fit(self, K, labels):
        """K: n x n training kernel, labels: n values +1 or -1 (both present). Returns self."""
        K = _kernel(K, "K", square=True)
        lab = _labels(labels, K.shape[0])
        r = _svm_fit(K, lab, self.C, self.tolerance, self.max_iterations, self.tau)
        self.weights_ = np.asarray(r["dual_coef"])  # alpha_i y_i for all n training structures
        self.support_ = np.asarray(r["support"], dtype=int)
        self.dual_coef_ = self.weights_[self.support_]
        self.intercept_ = float(r["bias"])
        self.n_iter_ = int(r["iterations"])
        self.kkt_gap_ = float(r["kkt_gap"])
        self.objective_ = float(r["objective"])
        self.smallest_eigenvalue = smallest_eigenvalue(K)
        return self

    def decision_function(self, K_star):
        """z for each row of K_star (m x n: kernels between new and all training structures)."""
        if self.weights_ is None:
            raise ValueError("the model is not fitted: call fit() first")
        K_star = _kernel(K_star, "K_star", cols=len(self.weights_))
        return K_star @ self.weights_ + self.intercept_

    def predict(self, K_star):
        return np.where(self.decision_function(K_star) >= 0, 1, -1)


def _model_weights(model, n_train):
    if isinstance(model, SVMClassifier):
        if model.weights_ is None:
            raise ValueError("model: the SVMClassifier is not fitted")
        w = model.weights_
    elif isinstance(model, KernelRegression):
        w = model.weights_
    else:
        w = np.asarray(model, dtype=float)
    if np.shape(w) != (n_train,):
        raise ValueError("model: %d weights for %d training frames" % (np.size(w), n_train))
    return np.asarray(w, dtype=float)


def atom_contributions(frames, train_frames, model, descriptor=DEFAULT_DESCRIPTOR, kind="average", gamma=0.1,
                       zeta=1, tolerance=1e-9):
    """Each atom's share of a kernel model's prediction, one array per frame.

    model: a fitted SVMClassifier (then the shares dz sum to z - intercept_), a fitted
    KernelRegression (they sum to the mean minus mean_ and the baseline), or the weights w_s
    themselves. The kernel parameters must be those the model was trained with, and
    train_frames the training frames in the order of its kernel matrix.

    How: z - c = sum_s w_s k(X, S_s)^zeta and each kernel is split over the atoms i of X through
    the transport plan P of the kernel, k(X, S) = sum_i sum_j P_ij C_ij / sqrt(K(X,X) K(S,S))
    (average: P_ij = 1/(N M); match: the optimal plan; rematch: the Sinkhorn plan); for zeta > 1
    each atom keeps its proportion, dk_i = k^(zeta-1) * share_i. Permuting the atoms permutes the
    shares (for match when the optimal plan is unique, i.e. barring exact ties)."""
    if kind not in KINDS:
        raise ValueError("kind = %r: expected one of %s" % (kind, ", ".join(KINDS)))
    if int(zeta) != zeta or zeta < 1:
        raise ValueError("zeta must be a positive integer")
    frames, train_frames = list(frames), list(train_frames)
    if not frames or not train_frames:
        raise ValueError("frames and train_frames must not be empty")
    w = _model_weights(model, len(train_frames))
    out = _atom_contributions(frames, train_frames, w, descriptor, kind, float(gamma), int(zeta), float(tolerance))
    return [np.asarray(v) for v in out]


class _OnFrames:
    def __init__(self, descriptor, kind, gamma, zeta, tolerance):
        if kind not in KINDS:
            raise ValueError("kind = %r: expected one of %s" % (kind, ", ".join(KINDS)))
        self.kernel_options = dict(descriptor=descriptor, kind=kind, gamma=gamma, zeta=zeta, tolerance=tolerance)
        self.train_frames = None

    def training_kernel(self, frames):
        self.train_frames = list(frames)
        return structure_kernel(self.train_frames, **self.kernel_options)

    @property
    def smallest_eigenvalue(self):
        """The smallest eigenvalue of the training kernel matrix (see KernelRegression, SVMClassifier)."""
        return self.model.smallest_eigenvalue

    def cross_kernel(self, frames):
        if self.train_frames is None:
            raise ValueError("the model is not fitted: call fit() first")
        return structure_kernel(list(frames), self.train_frames, **self.kernel_options)

    def atom_contributions(self, frames):
        """Each atom's share of the prediction (see atom_contributions())."""
        return atom_contributions(frames, self.train_frames, self.model, **self.kernel_options)


class MoleculeRegression(_OnFrames):
    """KernelRegression on ase.Atoms lists with the normalised structure kernel:

        reg = MoleculeRegression(kind="rematch", gamma=0.1).fit(frames, energies, noise_variance=1e-4)
        mean, std = reg.predict(new_frames, return_std=True)

    The kernel options are those of structure_kernel(); the rest go to KernelRegression."""

    def __init__(self, descriptor=DEFAULT_DESCRIPTOR, kind="average", gamma=0.1, zeta=1, tolerance=1e-9,
                 **regression_options):
        super().__init__(descriptor, kind, gamma, zeta, tolerance)
        self.model = KernelRegression(**regression_options)

    def fit(self, frames, y, noise_variance, baseline=None):
        self.model.fit(self.training_kernel(frames), y, noise_variance, baseline)
        return self

    def predict(self, frames, baseline=None, return_std=False):
        return self.model.predict(self.cross_kernel(frames), baseline=baseline, return_std=return_std)


class MoleculeClassifier(_OnFrames):
    """SVMClassifier on ase.Atoms lists with the normalised structure kernel:

        clf = MoleculeClassifier(kind="average", C=10).fit(frames, labels)   # labels +1 / -1
        z = clf.decision_function(new_frames); dz = clf.atom_contributions(new_frames)
    """

    def __init__(self, descriptor=DEFAULT_DESCRIPTOR, kind="average", gamma=0.1, zeta=1, tolerance=1e-9, **svm_options):
        super().__init__(descriptor, kind, gamma, zeta, tolerance)
        self.model = SVMClassifier(**svm_options)

    def fit(self, frames, labels):
        self.model.fit(self.training_kernel(frames), labels)
        return self

    def decision_function(self, frames):
        return self.model.decision_function(self.cross_kernel(frames))

    def predict(self, frames):
        return self.model.predict(self.cross_kernel(frames))


def select_frames(frames, n, method="fps", first=None, seed=0, descriptor=DEFAULT_DESCRIPTOR, kind="average",
                  gamma=0.1, zeta=1, tolerance=1e-9):
    """Indices of n frames chosen by farthest-point sampling in the structure-kernel distance
    (method="fps", soapgap.selection.farthest_point_sampling with metric="kernel") or at random (method="random")."""
    frames = list(frames)
    if method == "random":
        return random_selection(len(frames), n, seed=seed)
    if method != "fps":
        raise ValueError("method = %r: expected fps or random" % (method,))
    K = structure_kernel(frames, descriptor=descriptor, kind=kind, gamma=gamma, zeta=zeta, tolerance=tolerance)
    return farthest_point_sampling(K, n, first=first, seed=seed, metric="kernel")
