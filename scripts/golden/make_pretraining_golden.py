"""Golden numbers for DescentSolvers' FactorAnalysis, GaussianMixture, RidgeRegression and
LogisticRegression, from scikit-learn (the versions are written into the JSON).

References: sklearn.decomposition.FactorAnalysis(svd_method="lapack"),
sklearn.mixture.GaussianMixture(covariance_type="full") started from given parameters,
sklearn.linear_model.Ridge / RidgeCV (leave-one-out), LogisticRegression(lbfgs).
The inputs are generated here with numpy and stored with the outputs.

Run: /work/venv/bin/python scripts/golden/make_pretraining_golden.py
Writes Tests/DescentSolversTests/Golden/pretraining.json.
"""
import json
import pathlib

import numpy as np
import scipy
import sklearn
from sklearn.decomposition import FactorAnalysis
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV
from sklearn.mixture import GaussianMixture

rng = np.random.default_rng(20261206)
out = {"versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
                    "scipy": scipy.__version__}}

# Factor analysis: 300 examples, d = 8, r = 2.
B = rng.normal(size=(8, 2))
z = rng.normal(size=(300, 2))
x = z @ B.T + 0.5 * rng.normal(size=(300, 8)) + 1.5
fa = FactorAnalysis(n_components=2, svd_method="lapack").fit(x)
queries = x[:5]
out["factorAnalysis"] = {
    "data": x.tolist(), "factors": 2,
    "componentsGram": (fa.components_.T @ fa.components_).tolist(),  # WᵀW, rotation-invariant
    "noiseVariances": fa.noise_variance_.tolist(), "mean": fa.mean_.tolist(),
    "logLikelihoods": list(map(float, fa.loglike_)), "iterations": int(fa.n_iter_),
    # E[z|x] is defined up to the same rotation: compare its Gram matrix over the queries.
    "posteriorGram": (fa.transform(queries) @ fa.transform(queries).T).tolist(),
}

# Gaussian mixture: 3 clusters in d = 3, started from given parameters, 15 rounds (tol 0).
centers = np.array([[0, 0, 0], [4, 0, 1], [0, 5, -1]], dtype=float)
g = np.concatenate([c + rng.normal(size=(100, 3)) @ np.diag([1, 0.7, 1.3]) for c in centers])
w0 = np.array([0.2, 0.3, 0.5])
m0 = g[[0, 150, 250]] + 0.5
c0 = np.array([np.eye(3) * s for s in (1.0, 2.0, 0.5)])
gm = GaussianMixture(3, covariance_type="full", tol=0.0, max_iter=15, weights_init=w0,
                     means_init=m0, precisions_init=np.linalg.inv(c0)).fit(g)
gm_tol = GaussianMixture(3, covariance_type="full", tol=1e-3, max_iter=100, weights_init=w0,
                         means_init=m0, precisions_init=np.linalg.inv(c0)).fit(g)
out["gaussianMixture"] = {
    "data": g.tolist(), "initialWeights": w0.tolist(), "initialMeans": m0.tolist(),
    "initialCovariances": [c.flatten().tolist() for c in c0],
    "weights": gm.weights_.tolist(), "means": gm.means_.tolist(),
    "covariances": [c.flatten().tolist() for c in gm.covariances_],
    "lowerBound": float(gm.lower_bound_),
    "posteriors": gm.predict_proba(g[:6]).tolist(),
    "iterationsAtTolerance": int(gm_tol.n_iter_),
}

# Ridge: n = 12 < d = 20 (dual form) and n = 40 > d = 5 (primal), fixed alpha and LOO choice.
ridge = {}
for name, (n, d) in {"wide": (12, 20), "tall": (40, 5)}.items():
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.3 * rng.normal(size=n) + 2.0
    fixed = Ridge(alpha=0.7).fit(X, y)
    alphas = [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]
    cv = RidgeCV(alphas=alphas).fit(X, y)
    ridge[name] = {"features": X.tolist(), "targets": y.tolist(), "alpha": 0.7,
                   "weights": fixed.coef_.tolist(), "intercept": float(fixed.intercept_),
                   "alphas": alphas, "chosenAlpha": float(cv.alpha_),
                   "chosenWeights": cv.coef_.tolist(), "chosenIntercept": float(cv.intercept_)}
out["ridge"] = ridge

# Logistic regression: n = 60, d = 4, overlapping classes, C = 1 and C = 0.1.
X = rng.normal(size=(60, 4))
labels = (X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.8 * rng.normal(size=60) > 0.3).astype(int)
logistic = {"features": X.tolist(), "labels": labels.tolist(), "fits": []}
for C in (1.0, 0.1):
    fit = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, labels)
    logistic["fits"].append({"C": C, "weights": fit.coef_[0].tolist(),
                             "intercept": float(fit.intercept_[0])})
out["logistic"] = logistic

path = pathlib.Path(__file__).resolve().parents[2] / "Tests/DescentSolversTests/Golden/pretraining.json"
path.write_text(json.dumps(out))
print("wrote", path)
