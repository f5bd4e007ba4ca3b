"""Side check for docs/reproduce/pretraining.md: does any scale of the factor loadings make
unsupervised pretraining's test MSE at most half of cross-validated ridge's at n = 20?

Reference: scikit-learn (FactorAnalysis, LinearRegression, RidgeCV with its efficient
leave-one-out), the same setup as `descent reproduce pretraining` (d = 50, r = 3,
x = Bz + 0.5 eps, y = beta^T z + 0.1 eps', m = 5000) with B = scale * N(0, 1) and the test MSE
in closed form. Prints, per scale, the ratio of test MSEs and of excess risks at each n.

Run: /work/venv/bin/python scripts/reference/pretraining_loading_scale.py [scale ...]
"""
import sys

import numpy as np
import sklearn
from sklearn.decomposition import FactorAnalysis
from sklearn.linear_model import LinearRegression, RidgeCV

d, r, m = 50, 3, 5000
sizes = [10, 20, 40, 80, 160]
alphas = np.logspace(-4, 4, 17)
repetitions = 10


def risk(w, b, sigma, cross, variance_y):
    return variance_y - 2 * w @ cross + w @ sigma @ w + b * b


scales = [float(a) for a in sys.argv[1:]] or [1, 0.5, 0.3, 0.2, 1 / np.sqrt(d)]
print("scikit-learn", sklearn.__version__)
for scale in scales:
    pre = {n: [] for n in sizes}
    sup = {n: [] for n in sizes}
    bayes_risks = []
    for rep in range(repetitions):
        rng = np.random.default_rng(100 + rep)
        B = scale * rng.normal(size=(d, r))
        beta = rng.normal(size=r)
        sigma = B @ B.T + 0.25 * np.eye(d)
        cross = B @ beta
        variance_y = beta @ beta + 0.01
        bayes_risks.append(variance_y - cross @ np.linalg.solve(sigma, cross))
        X = rng.normal(size=(m, r)) @ B.T + 0.5 * rng.normal(size=(m, d))
        fa = FactorAnalysis(r).fit(X)
        scaled = fa.components_ / fa.noise_variance_
        A = np.linalg.solve(np.eye(r) + scaled @ fa.components_.T, scaled)
        for n in sizes:
            z = rng.normal(size=(n, r))
            x = z @ B.T + 0.5 * rng.normal(size=(n, d))
            y = z @ beta + 0.1 * rng.normal(size=n)
            ols = LinearRegression().fit((x - fa.mean_) @ A.T, y)
            w = A.T @ ols.coef_
            pre[n].append(risk(w, ols.intercept_ - w @ fa.mean_, sigma, cross, variance_y))
            ridge = RidgeCV(alphas=alphas).fit(x, y)
            sup[n].append(risk(ridge.coef_, ridge.intercept_, sigma, cross, variance_y))
    bayes = np.mean(bayes_risks)
    print(f"scale {scale:.4g}: Bayes risk {bayes:.4g}")
    for n in sizes:
        p, s = np.mean(pre[n]), np.mean(sup[n])
        print(f"  n = {n:3d}: MSE ratio {p / s:.3f}, excess-risk ratio {(p - bayes) / (s - bayes):.3f}")
