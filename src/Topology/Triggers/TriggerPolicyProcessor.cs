using Personalization.Topology.Attributes;
using Personalization.Topology.Records;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Personalization.Topology.Triggers;

/// <summary>
/// The policy every trigger passes before it reaches <c>triggers.outbound</c>, per user, in this order: held back while
/// the user's fraud risk attribute is HIGH; dropped as a duplicate when the same kind for the same item(s) was written
/// within <see cref="TriggerOptions.DeduplicationPeriod"/>; dropped when the user already got
/// <see cref="TriggerOptions.MaxPerUserPerDay"/> in the 24 hours before it. Times are the triggers' cause times (event
/// time), so a replay decides the same. Each drop is counted by kind and reason. A forgotten user's history is deleted.
/// </summary>
public sealed class TriggerPolicyProcessor(TriggerOptions options) : IProcessor<string, TriggerCandidate, string, Trigger>
{
    public const string Store = "trigger-sent";

    private static readonly long DayMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;
    private readonly long _dedupMs = (long)options.DeduplicationPeriod.TotalMilliseconds;
    private IProcessorContext<string, Trigger> _context = null!;
    private IKeyValueStore<string, SentTriggers> _sent = null!;
    private IKeyValueStore<string, UserAttributes> _attributes = null!;

    public void Init(IProcessorContext<string, Trigger> context)
    {
        _context = context;
        _sent = context.GetStateStore<IKeyValueStore<string, SentTriggers>>(Store);
        _attributes = context.GetStateStore<IKeyValueStore<string, UserAttributes>>(UserAttributeProcessor.Store);
    }

    public void Process(Record<string, TriggerCandidate> record)
    {
        if (record.Key is not { } user || record.Value is not { } candidate)
        {
            return;
        }

        if (candidate.Trigger is not { } trigger)
        {
            _sent.Delete(user);
            return;
        }

        if (_attributes.Get(user)?.FraudRisk == RiskLevel.High)
        {
            Suppress(trigger, "fraud_hold");
            return;
        }

        var at = trigger.CauseTime.ToUnixTimeMilliseconds();
        var subject = SubjectOf(trigger);
        var history = _sent.Get(user) ?? new SentTriggers();
        var today = 0;
        foreach (var sent in history.Sent)
        {
            if (sent.Kind == trigger.Kind && string.Equals(sent.Subject, subject, StringComparison.Ordinal) && sent.At > at - _dedupMs && sent.At <= at)
            {
                Suppress(trigger, "duplicate");
                return;
            }

            if (sent.At > at - DayMs && sent.At <= at)
            {
                today++;
            }
        }

        if (today >= options.MaxPerUserPerDay)
        {
            Suppress(trigger, "frequency_cap");
            return;
        }

        var keepAfter = at - Math.Max(_dedupMs, DayMs);
        history.Sent.RemoveAll(sent => sent.At <= keepAfter);
        history.Sent.Add(new SentTriggers.Entry(trigger.Kind, subject, at));
        _sent.Put(user, history);
        _context.Metrics.Counter(TriggerMetrics.Triggers, Symbols.Of(trigger.Kind)).Increment();
        _context.Forward(record.WithValue(trigger with { CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(_context.CurrentSystemTimeMs) }));
    }

    public void Close()
    {
    }

    /// <summary>What a trigger is about, for de-duplication: its item, or a cart's items in order.</summary>
    private static string SubjectOf(Trigger trigger) =>
        trigger.Items.Count == 1 ? trigger.Items[0].ItemId : string.Join(',', trigger.Items.Select(item => item.ItemId).Order(StringComparer.Ordinal));

    private void Suppress(Trigger trigger, string reason) =>
        _context.Metrics.Counter(TriggerMetrics.Suppressed, Symbols.Of(trigger.Kind), reason).Increment();
}
