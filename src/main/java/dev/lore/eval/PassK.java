package dev.lore.eval;

import java.util.List;

/**
 * Reliability over repeated trials of the same tasks, from n ≥ k recorded trials per task (unbiased estimators, so
 * n may exceed k). With c successes out of n trials of a task:
 * <ul>
 *   <li>pass^k (tau2-bench): the chance that k trials drawn without replacement all succeed, C(c, k) / C(n, k);</li>
 *   <li>pass@k (Codex / HumanEval): the chance that at least one of them succeeds, 1 − C(n − c, k) / C(n, k).</li>
 * </ul>
 * Both are averaged over tasks. Pure functions.
 */
public final class PassK {

    private PassK() {}

    /**
     * pass^k: the mean over tasks of C(c, k) / C(n, k).
     *
     * @param trialsPerTask per task, the outcome of each trial (true = success)
     * @param k trials that must all succeed, at least 1
     * @return a value in [0, 1]
     * @throws IllegalArgumentException when {@code k < 1}, there are no tasks, or a task has fewer than k trials
     */
    public static double passHatK(List<List<Boolean>> trialsPerTask, int k) {
        check(trialsPerTask, k);
        double sum = 0;
        for (List<Boolean> trials : trialsPerTask) sum += chooseRatio(successes(trials), trials.size(), k);
        return sum / trialsPerTask.size();
    }

    /**
     * pass@k: the mean over tasks of 1 − C(n − c, k) / C(n, k).
     *
     * @param trialsPerTask per task, the outcome of each trial (true = success)
     * @param k trials of which at least one must succeed, at least 1
     * @return a value in [0, 1]
     * @throws IllegalArgumentException when {@code k < 1}, there are no tasks, or a task has fewer than k trials
     */
    public static double passAtK(List<List<Boolean>> trialsPerTask, int k) {
        check(trialsPerTask, k);
        double sum = 0;
        for (List<Boolean> trials : trialsPerTask) {
            int n = trials.size();
            sum += 1 - chooseRatio(n - successes(trials), n, k);
        }
        return sum / trialsPerTask.size();
    }

    /** C(a, k) / C(n, k) for 0 ≤ a ≤ n, k ≤ n, as the product of (a − i) / (n − i) for i < k (0 when a < k). */
    private static double chooseRatio(int a, int n, int k) {
        if (a < k) return 0;
        double r = 1;
        for (int i = 0; i < k; i++) r *= (double) (a - i) / (n - i);
        return r;
    }

    private static int successes(List<Boolean> trials) {
        int c = 0;
        for (Boolean t : trials) if (t) c++;
        return c;
    }

    private static void check(List<List<Boolean>> trialsPerTask, int k) {
        if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
        if (trialsPerTask.isEmpty()) throw new IllegalArgumentException("no tasks");
        for (int i = 0; i < trialsPerTask.size(); i++) {
            int n = trialsPerTask.get(i).size();
            if (n < k) {
                throw new IllegalArgumentException("task " + i + " has " + n + " trials, fewer than k = " + k);
            }
        }
    }
}
