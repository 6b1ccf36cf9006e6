"""Statistics of a study's seeds: mean, sample standard deviation, the 95% interval of a mean
(Student's t) and Welch's two-sided t-test. scipy when /usr/bin/python3 has it; otherwise the t
distribution from the regularized incomplete beta function (the same values to about 1e-12)."""
import math


def t_quantile(probability, dof):
    """Student's t quantile (scipy when present; else the value by bisection of the CDF)."""
    try:
        from scipy import stats
        return float(stats.t.ppf(probability, dof))
    except ImportError:
        low, high = 0.0, 1000.0
        for _ in range(200):
            middle = (low + high) / 2
            if t_cdf(middle, dof) < probability:
                low = middle
            else:
                high = middle
        return (low + high) / 2


def t_cdf(x, dof):
    """Student's t CDF via the regularized incomplete beta function (continued fraction)."""
    try:
        from scipy import stats
        return float(stats.t.cdf(x, dof))
    except ImportError:
        pass
    z = dof / (dof + x * x)
    tail = 0.5 * incomplete_beta(dof / 2, 0.5, z)
    return 1 - tail if x > 0 else tail


def incomplete_beta(a, b, x):
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x > (a + 1) / (a + b + 2):
        return 1 - incomplete_beta(b, a, 1 - x)
    f, c, d = 1.0, 1.0, 0.0
    for i in range(400):
        m = i // 2
        if i == 0:
            numerator = 1.0
        elif i % 2 == 0:
            numerator = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 + numerator * d
        d = 1 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1 + numerator / (c if abs(c) > 1e-300 else 1e-300)
        f *= c * d
        if abs(1 - c * d) < 1e-12:
            break
    return front * (f - 1) / a


def mean_sd(values):
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, sd


def half_width(values):
    """Half-width of the 95% interval of the mean (Student's t, n − 1 degrees of freedom)."""
    n = len(values)
    if n < 2:
        return None
    return t_quantile(0.975, n - 1) * mean_sd(values)[1] / math.sqrt(n)


def welch(a, b):
    """Welch's two-sided t-test of mean(a) − mean(b): (difference, 95% interval half-width, p)."""
    (ma, sa), (mb, sb) = mean_sd(a), mean_sd(b)
    va, vb = sa * sa / len(a), sb * sb / len(b)
    difference = ma - mb
    if va + vb == 0:
        return difference, 0.0, (1.0 if difference == 0 else 0.0)
    # Welch–Satterthwaite degrees of freedom.
    dof = (va + vb) ** 2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1))
    t = difference / math.sqrt(va + vb)
    p = 2 * (1 - t_cdf(abs(t), dof))
    return difference, t_quantile(0.975, dof) * math.sqrt(va + vb), p


