using Streams.Engine.Metrics;

namespace Personalization.Topology.Evaluation;

/// <summary>The metrics of live policy evaluation: the latest window's estimates, as written to bandit.evaluation.</summary>
public static class EvaluationMetrics
{
    public static readonly MetricDescriptor PolicyValue = MetricDescriptor.Gauge(
        "streams_policy_value", "reward",
        "Estimated mean reward per decision of a policy in the latest evaluation window: the logged policy's own (ON_POLICY) or a candidate's (IPS, SNIPS).",
        "policy", "logged_policy", "estimator");

    public static readonly MetricDescriptor PolicyValueLower = MetricDescriptor.Gauge(
        "streams_policy_value_lower", "reward", "Lower bound of the 95 % confidence interval of streams_policy_value.", "policy", "logged_policy", "estimator");

    public static readonly MetricDescriptor PolicyValueUpper = MetricDescriptor.Gauge(
        "streams_policy_value_upper", "reward", "Upper bound of the 95 % confidence interval of streams_policy_value.", "policy", "logged_policy", "estimator");

    public static readonly MetricDescriptor EffectiveSampleSize = MetricDescriptor.Gauge(
        "streams_policy_effective_sample_size", "decisions",
        "Effective sample size of a candidate's estimate in the latest window, (sum of weights)^2 / sum of squared weights: how many on-policy decisions it is worth.",
        "policy", "logged_policy");

    public static readonly MetricDescriptor PolicyFilesRejected = MetricDescriptor.Counter(
        "streams_policy_files_rejected_total", "files",
        "Policy files in the evaluation's policy directory that could not be read (each version once); an earlier version of the file, if any, stays in use.",
        "file");
}
