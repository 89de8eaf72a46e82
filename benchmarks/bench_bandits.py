"""Monte Carlo validation of ``xplab.bandits`` in the news-reader simulator.

Run:  XPLAB_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/bench_bandits.py

What it measures (the script exits 1 if a target is missed):

* regret: mean cumulative pseudo-regret against the oracle after 10,000
  rounds over 20 seeds, for random, ε-greedy (ε = 0.1), UCB1, Thompson sampling
  and LinUCB (α = 1), in two environments —
  a context-free one (five arms with click rates 4 %, 5 %, 6 %, 7 %, 8 %; LinUCB
  sees a constant context [1]) and the contextual news environment
  (:class:`xplab.bandits.NewsTopicBandit` over the BBC catalog, 2,000 readers:
  arms are topics, context = [1, θ_u]). Target: LinUCB has less regret than
  every context-free policy in the contextual environment. Default settings
  everywhere; nothing is tuned.
* replay: 250 uniformly random logs of 5,000 events from the news environment;
  the replay estimates of two fixed policies (show each reader their favourite
  topic; always show business) against their exact values from the
  simulator. Target: the truth is inside the estimate's own 95 % interval in
  ≥ 93 % of repetitions, for both. The same with 250 logs from a non-uniform
  logger (the reader's favourite topic with probability 0.8, else uniform)
  shows the bias: "always business" then matches mostly business fans. On
  those logs, every fixed policy ("always" each of the five topics, and the
  favourite topic) is also evaluated with the logger's propensities, by
  inverse propensity weighting and its self-normalised form: target, a mean
  estimate within 5 % of the truth (replay is off by +140 % there); their
  interval coverage is reported (weights up to 1/0.04 = 25 make the estimate
  skewed at 5,000 events, so the normal interval runs short). For a
  learning policy (LinUCB) the mean replay estimate is compared with its mean
  online click rate over as many rounds as replay matched.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from tqdm import tqdm

from xplab._rng import as_generator
from xplab.bandits import (
    UCB1,
    BernoulliBandit,
    EpsilonGreedy,
    LinUCB,
    NewsTopicBandit,
    Policy,
    RandomPolicy,
    ThompsonSampling,
    replay_evaluate,
    simulate,
)
from xplab.data import NewsReaders, load_bbc_news

SEED = 20_261_123
N_SEEDS = 20
N_ROUNDS = 10_000
N_READERS = 2_000
REPLAY_REPS = 250
REPLAY_EVENTS = 5_000
LEARNING_REPS = 30
COVERAGE_TARGET = 0.93
IPW_BIAS_TARGET = 0.05


class ConstantContext:
    """A context-free environment seen through a constant context [1], for LinUCB."""

    n_features = 1

    def __init__(self, env: BernoulliBandit) -> None:
        self.env = env
        self.n_arms = env.n_arms

    def draw(self, n_rounds, rng):
        return np.ones((n_rounds, 1)), self.env.draw(n_rounds, rng)[1]


class AlwaysArm(Policy):
    """Fixed policy: always the same arm."""

    def __init__(self, n_arms: int, *, arm: int) -> None:
        super().__init__(n_arms)
        self.arm = arm

    def select(self, context=None):
        return self.arm


class FavouriteTopic(Policy):
    """Fixed policy: the topic with the largest preference in the context [1, θ]."""

    def select(self, context=None):
        return int(np.argmax(context[1:]))


def policies(n_arms: int, n_features: int, seed: int) -> dict[str, Policy]:
    return {
        "random": RandomPolicy(n_arms, seed=seed),
        "epsilon-greedy (0.1)": EpsilonGreedy(n_arms, epsilon=0.1, seed=seed),
        "UCB1": UCB1(n_arms, seed=seed),
        "Thompson": ThompsonSampling(n_arms, seed=seed),
        "LinUCB (alpha=1)": LinUCB(n_arms, n_features, alpha=1.0, seed=seed),
    }


def regret_table(name: str, env, env_linucb, seeds: np.ndarray) -> pd.DataFrame:
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for s in tqdm(seeds, desc=f"regret: {name}", leave=False):
        for label, policy in policies(env.n_arms, env_linucb.n_features, int(s)).items():
            run_env = env_linucb if label.startswith("LinUCB") else env
            r = simulate(policy, run_env, N_ROUNDS, seed=int(s) + 1)
            rows.setdefault(label, []).append((r.regret, r.ctr, r.oracle_ctr))
    out = []
    for label, values in rows.items():
        v = np.array(values)
        out.append(
            {
                "policy": label,
                "regret": v[:, 0].mean(),
                "se": v[:, 0].std(ddof=1) / np.sqrt(len(v)),
                "CTR": v[:, 1].mean(),
                "share of oracle": v[:, 1].mean() / v[:, 2].mean(),
            }
        )
    oracle = np.mean([v[2] for v in rows["random"]])
    out.append(
        {"policy": "oracle", "regret": 0.0, "se": 0.0, "CTR": oracle, "share of oracle": 1.0}
    )
    return pd.DataFrame(out)


def uniform_log(env: NewsTopicBandit, n: int, rng: np.random.Generator, favourite: float = 0.0):
    """A log of n events, uniform or showing the favourite topic with probability
    ``favourite``; also returns each logged arm's logging probability."""
    contexts, probs = env.draw(n, rng)
    arms = rng.integers(env.n_arms, size=n)
    fav = np.argmax(contexts[:, 1:], axis=1)
    if favourite > 0:
        arms = np.where(rng.random(n) < favourite, fav, arms)
    rewards = (rng.random(n) < probs[np.arange(n), arms]).astype(float)
    propensities = favourite * (arms == fav) + (1 - favourite) / env.n_arms
    return arms, rewards, contexts, propensities


def main() -> int:
    start = time.perf_counter()
    rng = as_generator(SEED)
    news = load_bbc_news(download=False)
    readers = NewsReaders(news, n_users=N_READERS, seed=1)
    news_env = NewsTopicBandit(readers)
    flat_env = BernoulliBandit([0.04, 0.05, 0.06, 0.07, 0.08])
    seeds = rng.integers(0, 2**31, N_SEEDS)

    print(f"Cumulative pseudo-regret after {N_ROUNDS:,} rounds, mean over {N_SEEDS} seeds\n")
    flat = regret_table("context-free", flat_env, ConstantContext(flat_env), seeds)
    print("Context-free environment: click rates 4 %, 5 %, 6 %, 7 %, 8 %")
    print(flat.to_string(index=False, float_format="{:.4g}".format))
    contextual = regret_table("news", news_env, news_env, seeds)
    print(f"\nContextual news environment: {readers!r}")
    print(contextual.to_string(index=False, float_format="{:.4g}".format))
    ctx = contextual.set_index("policy")
    free = ctx.drop(["LinUCB (alpha=1)", "oracle", "random"])
    linucb_ok = bool(ctx.loc["LinUCB (alpha=1)", "regret"] < free["regret"].min())
    lift = ctx.loc["LinUCB (alpha=1)", "CTR"] / free["CTR"].max() - 1
    print(
        f"LinUCB regret below every context-free policy: {'OK' if linucb_ok else 'MISSED'}; "
        f"CTR lift over the best context-free policy: {lift:+.0%}"
    )

    # Replay
    users = np.arange(N_READERS)
    targets = {
        "favourite topic": (
            lambda: FavouriteTopic(news_env.n_arms),
            news_env.ctr[users, np.argmax(readers.preferences, axis=1)].mean(),
        ),
        "always business": (lambda: AlwaysArm(news_env.n_arms, arm=0), news_env.ctr[:, 0].mean()),
    }
    for k, topic in enumerate(readers.topics):
        if k != 0:  # "always business" (arm 0) is above
            targets[f"always {topic}"] = (
                lambda k=k: AlwaysArm(news_env.n_arms, arm=k),
                news_env.ctr[:, k].mean(),
            )
    rows = []
    coverage_ok = True
    ipw_ok = True
    for log, favourite in (("uniform", 0.0), ("non-uniform", 0.8)):
        estimators = ["replay"] if favourite == 0 else ["replay", "ipw", "self-normalised"]
        found: dict[tuple[str, str], list[tuple[float, bool, int]]] = {}
        for _ in tqdm(range(REPLAY_REPS), desc=f"replay: {log} logs", leave=False):
            arms, rewards, contexts, prop = uniform_log(news_env, REPLAY_EVENTS, rng, favourite)
            for name, (make, truth) in targets.items():
                if favourite == 0 and name not in ("favourite topic", "always business"):
                    continue
                for estimator in estimators:
                    r = replay_evaluate(
                        make(),
                        arms,
                        rewards,
                        contexts,
                        propensities=None if estimator == "replay" else prop,
                        estimator=estimator,
                        allow_nonuniform=favourite > 0,  # uniform logs must pass the check
                    )
                    found.setdefault((name, estimator), []).append(
                        (r.estimate, r.ci[0] <= truth <= r.ci[1], r.n_matched)
                    )
        for (name, estimator), values in found.items():
            truth = targets[name][1]
            est, covered, matched = (np.array(v) for v in zip(*values, strict=True))
            cov = float(covered.mean())
            if favourite == 0:
                coverage_ok = coverage_ok and cov >= COVERAGE_TARGET
            elif estimator != "replay":
                ipw_ok = ipw_ok and abs(est.mean() - truth) <= IPW_BIAS_TARGET * truth
            rows.append(
                {
                    "log": log,
                    "policy": name,
                    "estimator": estimator,
                    "truth": truth,
                    "mean estimate": est.mean(),
                    "bias": est.mean() - truth,
                    "relative bias": (est.mean() - truth) / truth,
                    "MC se of bias": est.std(ddof=1) / np.sqrt(est.size),
                    "95% CI coverage": cov,
                    "mean matched": matched.mean(),
                }
            )
    print(
        f"\nReplay of fixed policies, {REPLAY_REPS} logs of {REPLAY_EVENTS:,} events each; "
        "non-uniform logs show the reader's favourite topic with probability 0.8 and are "
        "also evaluated with the logger's propensities (IPW, self-normalised IPW)"
    )
    print(pd.DataFrame(rows).to_string(index=False, float_format="{:.4f}".format))
    print(f"coverage on uniform logs >= {COVERAGE_TARGET:.0%}: {'OK' if coverage_ok else 'MISSED'}")
    print(
        f"with propensities, |bias| <= {IPW_BIAS_TARGET:.0%} of the truth for every policy: "
        f"{'OK' if ipw_ok else 'MISSED'}"
    )

    # A learning policy: replay vs online over as many rounds as replay matched.
    replay_est, online_ctr, n_matched = [], [], []
    for rep in tqdm(range(LEARNING_REPS), desc="replay: LinUCB", leave=False):
        arms, rewards, contexts, _ = uniform_log(news_env, REPLAY_EVENTS, rng)
        r = replay_evaluate(LinUCB(5, 6, seed=rep), arms, rewards, contexts)
        replay_est.append(r.estimate)
        n_matched.append(r.n_matched)
        online = simulate(LinUCB(5, 6, seed=rep), news_env, r.n_matched, seed=rng)
        online_ctr.append(online.ctr)
    diff = np.array(replay_est) - np.array(online_ctr)
    print(
        f"\nLinUCB (alpha=1), {LEARNING_REPS} repetitions: replay {np.mean(replay_est):.4f} vs "
        f"online {np.mean(online_ctr):.4f} over {np.mean(n_matched):.0f} rounds "
        f"(difference {diff.mean():+.4f}, MC se {diff.std(ddof=1) / np.sqrt(diff.size):.4f})"
    )
    print(f"\ntotal time {time.perf_counter() - start:.0f} s")
    return 0 if linucb_ok and coverage_ok and ipw_ok else 1


if __name__ == "__main__":
    sys.exit(main())
