"""Programs with their parameters in trees, differentiated as written:

- an MLP whose parameters are a list of (W, b) layers, trained for a few steps;
- a model whose parameters are a dict;
- an RK4 integrator with a nested `deriv` closure, its state unpacked from a tuple;
- `grad(lambda ...)`.

    python examples/parameter_trees.py

Each gradient comes back with its argument's structure; each is checked here against
central finite differences of one leaf, and the MLP's loss is printed as it trains.
"""
import numpy as np

from s2s_ad import grad, value_and_grad


# -- an MLP with a list of (W, b) layers -----------------------------------------------

def mlp_loss(params, x, y):
    h = x
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    err = (h @ W + b)[:, 0] - y
    return np.mean(err ** 2)


def train_mlp(rng, steps=30, lr=0.1):
    x = rng.normal(size=(64, 3))
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2]
    sizes = [3, 16, 16, 1]
    params = [(rng.normal(size=(m, n)) / np.sqrt(m), np.zeros(n))
              for m, n in zip(sizes[:-1], sizes[1:])]
    step = value_and_grad(mlp_loss)
    losses = []
    for _ in range(steps):
        loss, grads = step(params, x, y)             # grads: [(dW, db), ...] like params
        params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
        losses.append(loss)
    return losses, params, x, y


# -- a model with its parameters in a dict ---------------------------------------------

def dict_model(p, x, y):
    pred = x @ p["w"] + p["b"]
    return np.mean((pred - y) ** 2) + p["decay"] * np.sum(p["w"] ** 2)


# -- an RK4 integrator with a nested closure and state unpacking ------------------------

def pendulum_energy(theta0, omega0, damping, steps=50, dt=0.05):
    def deriv(state):
        theta, omega = state
        return omega, -np.sin(theta) - damping * omega

    state = (theta0, omega0)
    for _ in range(steps):
        k1 = deriv(state)
        k2 = deriv((state[0] + 0.5 * dt * k1[0], state[1] + 0.5 * dt * k1[1]))
        k3 = deriv((state[0] + 0.5 * dt * k2[0], state[1] + 0.5 * dt * k2[1]))
        k4 = deriv((state[0] + dt * k3[0], state[1] + dt * k3[1]))
        theta, omega = state
        state = (theta + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
                 omega + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]))
    theta, omega = state
    return 0.5 * omega ** 2 + (1.0 - np.cos(theta))


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def main():
    rng = np.random.default_rng(0)
    losses, params, x, y = train_mlp(rng)
    print(f"MLP, list of layers: loss {losses[0]:.4f} -> {losses[-1]:.4f} in {len(losses)} steps")
    grads = grad(mlp_loss)(params, x, y)
    W0 = params[0][0]

    def loss_of_w00(t):
        W = W0.copy()
        W[0, 0] = t
        return mlp_loss([(W, params[0][1])] + params[1:], x, y)
    print(f"  dL/dW1[0,0] = {grads[0][0][0, 0]:.10f}, differences {central(loss_of_w00, W0[0, 0]):.10f}")

    p = {"w": rng.normal(size=3), "b": 0.3, "decay": 0.01}
    xs, ys = rng.normal(size=(20, 3)), rng.normal(size=20)
    g = grad(dict_model)(p, xs, ys)
    fd_b = central(lambda t: dict_model({**p, "b": t}, xs, ys), p["b"])
    print(f"dict parameters: gradient keys {list(g)}; d/db = {g['b']:.10f}, differences {fd_b:.10f}")

    d = grad(pendulum_energy, argnums=(0, 1, 2))(0.8, 0.0, 0.1)
    fd = central(lambda t: pendulum_energy(0.8, 0.0, t), 0.1)
    print(f"RK4 with a nested closure: d/d(damping) = {d[2]:.10f}, differences {fd:.10f}")

    cube = grad(lambda t: t ** 3 + np.sin(t))
    print(f"grad(lambda t: t ** 3 + np.sin(t))(0.5) = {cube(0.5):.10f}, "
          f"exact {3 * 0.25 + np.cos(0.5):.10f}")


if __name__ == "__main__":
    main()
