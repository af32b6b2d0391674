"""Functions that draw random numbers inside (tests/test_random_draws.py). They live
in a module of their own because s2s_ad reads their source."""
import random

import numpy as np


def draw_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * np.random.uniform()          # a new draw every iteration
    return s


def python_draw_in_loop(x, n):
    s = 0.0
    for i in range(n):
        u = random.random()
        s = s + x * x * u
    return s


def draw_inside_a_call_in_loop(x):
    s = 0.0
    for i in range(5):
        s = s + np.sin(x * np.random.standard_normal())
    return s


def two_equal_looking_draws(x):
    return x * np.random.uniform() + x * x * np.random.uniform()


def unused_draw(x):
    u = np.random.uniform()                  # unused, but it moves the generator on
    return x * np.random.uniform()


def draws_in_order(x):
    a = np.random.uniform()
    b = np.random.uniform()
    return (x * b - a) * x


def array_draws(w):
    noise = np.random.standard_normal(w.shape)
    return np.sum((w + 0.1 * noise) ** 2) + np.sum(w * np.random.uniform(size=w.shape))
