using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Personalization.Topology.Scoring;
using Personalization.Topology.Scoring.Rollouts;

namespace Personalization.Worker.Queries;

/// <summary>
/// <c>GET /v1/models</c>: what scores each model on this instance: the serving version, whether the rollout plan pins
/// it, and any candidate with its mode, share, state (active or rolled back, with the reason) and its comparison with
/// the serving version over the rollout window. Rollbacks are judged per instance, so each pod answers for itself.
/// </summary>
internal static class ModelStatusEndpoint
{
    public static void Map(RouteGroupBuilder operations, ModelDirectory models) =>
        operations.MapGet("/v1/models", () => Results.Json(new { models = Describe(models) }, UserQueryService.Json));

    internal static List<ModelStatus> Describe(ModelDirectory models)
    {
        var plan = models.Plan;
        var statuses = new List<ModelStatus>();
        foreach (var (name, rollout) in models.Rollouts.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            CandidateStatus? candidate = null;
            if (rollout is { Candidate: { } model, Monitor: { } monitor })
            {
                candidate = new CandidateStatus(
                    model.Version,
                    RolloutLabels.Of(rollout.Mode),
                    rollout.Mode == RolloutMode.Canary ? rollout.Share : null,
                    monitor.Active ? "active" : "rolled_back",
                    monitor.RolledBackFor is { } reason ? RolloutLabels.Of(reason) : null,
                    monitor.RollbackDetail,
                    monitor.Comparison);
            }

            var planned = plan.Models.GetValueOrDefault(name);
            statuses.Add(new ModelStatus(name, rollout.Serving?.Version, planned is not null, candidate ?? (planned?.Candidate is { } waiting
                ? new CandidateStatus(waiting, RolloutLabels.Of(planned.Mode), null, "waiting_for_file", null, null, null)
                : null)));
        }

        return statuses;
    }

    internal sealed record ModelStatus(string Model, string? Serving, bool Pinned, CandidateStatus? Candidate);

    internal sealed record CandidateStatus(
        string Version, string Mode, double? Share, string State, string? RollbackReason, string? RollbackDetail, RolloutComparison? Comparison);
}
