using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using Personalization.Simulation;
using Personalization.Topology.Features;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Personalization.Training.Evaluation;

namespace Personalization.Training;

/// <summary>
/// Trains the fraud and propensity models from a clickstream. Features come from the topology's own feature code,
/// replayed in event-time order, so each example sees exactly what serving would have seen at that moment; labels come
/// from what happened afterwards (a purchase within the horizon) or from the fraud label column. The split is by time:
/// the latest <see cref="TrainerOptions.HoldoutShare"/> of the range is held out.
/// </summary>
public sealed class ModelTrainer(TrainerOptions options)
{
    public IReadOnlyList<TrainedModel> Train(IEnumerable<LabeledEvent> input, string source, string modelDirectory, TextWriter log)
    {
        var events = input.OrderBy(e => e.Event.Timestamp).ToList();
        if (events.Count == 0)
        {
            throw new InvalidDataException($"{source} has no events.");
        }

        var purchases = events.Where(e => e.Event.Type == EventType.Purchase)
            .GroupBy(e => e.Event.UserId)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Event.Timestamp.ToUnixTimeMilliseconds()).Order().ToArray(), StringComparer.Ordinal);
        var hasFraudLabels = events.Any(e => e.IsFraudster is not null);

        var fraud = new List<Example>();
        var propensity = new List<Example>();
        var users = new Dictionary<string, int>(StringComparer.Ordinal);
        var state = new InMemoryFeatureState();
        var lastPropensity = new Dictionary<string, long>(StringComparer.Ordinal);
        var horizonMs = (long)options.PurchaseHorizon.TotalMilliseconds;
        var intervalMs = (long)options.PropensityInterval.TotalMilliseconds;
        foreach (var (e, isFraudster) in events)
        {
            if (!FeatureCalculator.Observe(state, e, out var profile))
            {
                continue;
            }

            state.PutProfile(e.UserId, profile);
            var time = e.Timestamp.ToUnixTimeMilliseconds();
            var isFraudMoment = hasFraudLabels && UserScoringProcessor.IsFraudRisk(e.Type);
            var isPropensityMoment = !lastPropensity.TryGetValue(e.UserId, out var last) || time - last >= intervalMs;
            if (!isFraudMoment && !isPropensityMoment)
            {
                continue;
            }

            var features = FeatureCalculator.Compute(state, e.UserId, profile);
            var vector = FeatureVector.Of(features);
            if (!users.TryGetValue(e.UserId, out var user))
            {
                users[e.UserId] = user = users.Count;
            }

            if (isFraudMoment)
            {
                fraud.Add(new Example(time, user, vector, isFraudster ?? false, (float)Heuristics.Fraud(features)));
            }

            if (isPropensityMoment)
            {
                lastPropensity[e.UserId] = time;
                var label = PurchasesWithin(purchases.GetValueOrDefault(e.UserId), time, horizonMs);
                propensity.Add(new Example(time, user, vector, label, (float)Heuristics.Propensity(features)));
            }
        }

        var data = new DataDescription(source, events.Count, users.Count, events[0].Event.Timestamp, events[^1].Event.Timestamp);
        var trained = new List<TrainedModel>();
        if (hasFraudLabels)
        {
            // The fraud label is a property of the user, known at every moment: no horizon to wait for.
            trained.Add(TrainOne(UserScoringProcessor.FraudModel, fraud, data, 0, modelDirectory, log,
                "The user is a fraudster (the is_fraudster column), at each event that carries fraud risk (checkout, payment attempt or failure, purchase, address change, login)."));
        }
        else
        {
            log.WriteLine($"fraud: {source} has no is_fraudster column, so no fraud model is trained.");
        }

        trained.Add(TrainOne(UserScoringProcessor.PropensityModel, propensity, data, horizonMs, modelDirectory, log,
            $"The user purchases within {options.PurchaseHorizon.TotalMinutes:0} minutes after the scoring moment "
            + $"(at most one moment per user per {options.PropensityInterval.TotalSeconds:0} s of event time)."));
        return trained;
    }

    private static bool PurchasesWithin(long[]? purchaseTimes, long time, long horizonMs)
    {
        if (purchaseTimes is null)
        {
            return false;
        }

        var index = Array.BinarySearch(purchaseTimes, time);
        index = index < 0 ? ~index : index;
        while (index < purchaseTimes.Length && purchaseTimes[index] <= time)
        {
            index++;
        }

        return index < purchaseTimes.Length && purchaseTimes[index] <= time + horizonMs;
    }

    /// <summary>
    /// Splits by time, trains, evaluates the model and the baselines on the held-out examples, and writes the model
    /// with its card unless it does not beat the best baseline (and <see cref="TrainerOptions.Force"/> is off). An
    /// example is used only when its label is fully observed: its horizon ends within the data, and, for training,
    /// before the held-out part starts, so no training label depends on what happened in the held-out period.
    /// </summary>
    private TrainedModel TrainOne(string name, List<Example> examples, DataDescription data, long horizonMs, string modelDirectory, TextWriter log, string labelDefinition)
    {
        var end = data.To.ToUnixTimeMilliseconds();
        var labelled = examples.Where(e => e.Time + horizonMs <= end).ToList();
        if (labelled.Count < 100)
        {
            throw new InvalidDataException($"{name}: only {labelled.Count} examples with a fully observed label; the clickstream is too small to train on.");
        }

        var cut = labelled[0].Time + (long)((labelled[^1].Time - labelled[0].Time) * (1 - options.HoldoutShare));
        var beforeCut = labelled.Where(e => e.Time + horizonMs <= cut).ToList();
        var test = labelled.Where(e => e.Time > cut).ToList();
        var censored = examples.Count - beforeCut.Count - test.Count;
        var train = Subsample(beforeCut, out var negativeWeight);
        if (train.Count == 0 || test.Count == 0 || !train.Any(e => e.Label) || !test.Any(e => e.Label) || train.All(e => e.Label) || test.All(e => e.Label))
        {
            throw new InvalidDataException(
                $"{name}: the time split leaves a side without both classes "
                + $"({train.Count(e => e.Label)}/{train.Count} positive in training, {test.Count(e => e.Label)}/{test.Count} held out).");
        }

        var context = new MLContext(seed: options.Seed);
        var trainer = context.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            LabelColumnName = nameof(ModelInput.Label),
            FeatureColumnName = nameof(ModelInput.Features),
            ExampleWeightColumnName = nameof(TrainingRow.Weight),
            NumberOfTrees = options.Trees,
            NumberOfLeaves = options.Leaves,
            LearningRate = options.LearningRate,
            MinimumExampleCountPerLeaf = 20,
            Seed = options.Seed,
            NumberOfThreads = 1,
        });
        var trainingData = context.Data.LoadFromEnumerable(train.Select(e => new TrainingRow { Features = e.Features, Label = e.Label, Weight = e.Label ? 1 : negativeWeight }));
        var model = trainer.Fit(trainingData);
        var trainRate = WeightedPositiveRate(train, negativeWeight);
        var (scorers, comparison) = Evaluate(context, model, trainingData, test, trainRate);
        var self = scorers[0];
        var metrics = new ModelMetrics(
            self.RocAuc.Value, self.PrAuc.Value, self.RecallAtPrecision.Value, options.TargetPrecision, self.Threshold,
            train.Count, test.Count, trainRate, test.Count(e => e.Label) / (double)test.Count)
        {
            Scorers = scorers,
            Comparison = comparison,
            TestPositives = test.Count(e => e.Label),
            TestUsers = test.Select(e => e.User).Distinct().Count(),
            Censored = censored,
            Resamples = options.BootstrapResamples,
        };

        Directory.CreateDirectory(modelDirectory);
        var version = NextVersion(modelDirectory, name);
        Report(log, name, version, metrics);
        log.WriteLine($"  {FeatureSignal(train, negativeWeight)}");
        if (!comparison.BeatsOnPrAuc && !options.Force)
        {
            var refusal = string.Format(CultureInfo.InvariantCulture,
                "its PR-AUC {0:F4} does not beat the {1} baseline's {2:F4} on the same held-out examples", self.PrAuc.Value, comparison.Baseline,
                scorers.First(s => s.Name == comparison.Baseline).PrAuc.Value);
            log.WriteLine($"{name} {version}: not written: {refusal}. A model no better than a baseline is not worth serving; rerun with --force to write it anyway.");
            return new TrainedModel(name, version, null, null, metrics, refusal);
        }

        var modelPath = Path.Combine(modelDirectory, $"{name}-{version}.zip");
        context.Model.Save(model, context.Data.LoadFromEnumerable(train.Take(1).Select(e => e.ToInput())).Schema, modelPath);
        var cardPath = Path.Combine(modelDirectory, $"{name}-{version}.md");
        File.WriteAllText(cardPath, Card(name, version, data, labelDefinition, metrics, negativeWeight, horizonMs));
        log.WriteLine($"{name} {version}: wrote {modelPath}");
        return new TrainedModel(name, version, modelPath, cardPath, metrics);
    }

    /// <summary>
    /// The model and every baseline scored on the held-out examples: a logistic regression on the same feature vector
    /// and weights, the rule "add-to-carts so far" (in the 24-hour horizon), the worker's fallback heuristic, and the
    /// base rate (a constant: ROC-AUC 0.5, PR-AUC the positive rate).
    /// </summary>
    private (IReadOnlyList<ScorerEvaluation> Scorers, BaselineComparison Comparison) Evaluate(
        MLContext context, ITransformer model, IDataView trainingData, List<Example> test, double trainRate)
    {
        var testData = context.Data.LoadFromEnumerable(test.Select(e => e.ToInput()));
        var logistic = context.Transforms.NormalizeMeanVariance(nameof(ModelInput.Features))
            .Append(context.BinaryClassification.Trainers.LbfgsLogisticRegression(
                nameof(ModelInput.Label), nameof(ModelInput.Features), exampleWeightColumnName: nameof(TrainingRow.Weight)))
            .Fit(trainingData);
        var addToCarts = FeatureVector.Names.ToList().IndexOf("last_24h.add_to_cart");
        var testUsers = new Dictionary<int, int>();
        var users = test.Select(e => testUsers.TryGetValue(e.User, out var u) ? u : testUsers[e.User] = testUsers.Count).ToArray();
        return new HeldOutEvaluator(options.TargetPrecision, options.BootstrapResamples, options.Seed).Evaluate(
            test.Select(e => e.Label).ToArray(),
            users,
            [
                ("model", Scores(context, model, testData)),
                ("logistic regression", Scores(context, logistic, testData)),
                ("add-to-carts so far", test.Select(e => e.Features[addToCarts]).ToArray()),
                ("fallback heuristic", test.Select(e => e.Heuristic).ToArray()),
                ("base rate", Enumerable.Repeat((float)trainRate, test.Count).ToArray()),
            ]);
    }

    /// <summary>
    /// Which features carry signal on this data: each feature's ROC-AUC alone on the (weighted) training examples, the
    /// strongest in either direction first, and the features that never vary here (a retail export without prices has
    /// no cart or order value), so a weak model can be traced to features the data cannot fill.
    /// </summary>
    private static string FeatureSignal(List<Example> train, int negativeWeight)
    {
        var labels = train.Select(e => e.Label).ToArray();
        var weights = train.Select(e => e.Label ? 1.0 : negativeWeight).ToArray();
        var signal = new List<(string Name, double Auc)>();
        var constant = new List<string>();
        for (var j = 0; j < FeatureVector.Length; j++)
        {
            var values = train.Select(e => e.Features[j]).ToArray();
            if (values.All(v => v == values[0]))
            {
                constant.Add(FeatureVector.Names[j]);
                continue;
            }

            signal.Add((FeatureVector.Names[j], RankingMetrics.Compute(RankingMetrics.Order(values), values, labels, weights, 1).RocAuc));
        }

        var strongest = signal.OrderByDescending(f => Math.Abs(f.Auc - 0.5)).Take(8).Select(f => string.Format(CultureInfo.InvariantCulture, "{0} {1:F3}", f.Name, f.Auc));
        return $"features alone (ROC-AUC on the training examples, strongest first): {string.Join(", ", strongest)}; "
            + (constant.Count == 0 ? "none constant." : $"constant on this data ({constant.Count}): {string.Join(", ", constant)}.");
    }

    private static float[] Scores(MLContext context, ITransformer model, IDataView data) =>
        context.Data.CreateEnumerable<ScoredRow>(model.Transform(data), reuseRowObject: false).Select(r => r.Probability).ToArray();

    private static void Report(TextWriter log, string name, string version, ModelMetrics m)
    {
        var inv = CultureInfo.InvariantCulture;
        log.WriteLine(string.Format(inv,
            "{0} {1}: {2:N0} training examples; {3:N0} held out ({4:N0} positive, {5:P2}) from {6:N0} users; {7:N0} left out with an unobserved label. "
            + "95 % intervals from {8} bootstrap resamples of users:",
            name, version, m.TrainExamples, m.TestExamples, m.TestPositives, m.TestPositiveRate, m.TestUsers, m.Censored, m.Resamples));
        log.WriteLine(string.Format(inv, "  {0,-22} {1,-24} {2,-24} {3}", "scorer", "ROC-AUC", "PR-AUC", $"recall at precision {m.TargetPrecision:F2}"));
        foreach (var s in m.Scorers)
        {
            log.WriteLine(string.Format(inv, "  {0,-22} {1,-24} {2,-24} {3}", s.Name, s.RocAuc.Format("F3"), s.PrAuc.Format("F4"), s.RecallAtPrecision.Format("F3")));
        }

        var c = m.Comparison!;
        log.WriteLine(string.Format(inv, "  model − {0} (the best baseline by PR-AUC): ROC-AUC {1}, PR-AUC {2}: {3}",
            c.Baseline, c.RocAucDifference.Format("+0.000;-0.000"), c.PrAucDifference.Format("+0.0000;-0.0000"),
            c.Verdict));
    }

    /// <summary>
    /// Keeps every positive and every k-th negative when there are more examples than allowed; k is the weight each
    /// kept negative then carries (1 when nothing was dropped).
    /// </summary>
    private List<Example> Subsample(List<Example> examples, out int negativeWeight)
    {
        negativeWeight = 1;
        if (examples.Count <= options.MaxExamples)
        {
            return examples;
        }

        var positives = examples.Count(e => e.Label);
        negativeWeight = Math.Max(1, (int)Math.Ceiling((examples.Count - positives) / (double)Math.Max(1, options.MaxExamples - positives)));
        var keepEvery = negativeWeight;
        var negative = 0;
        return examples.Where(e => e.Label || negative++ % keepEvery == 0).ToList();
    }

    private static double WeightedPositiveRate(List<Example> train, int negativeWeight)
    {
        var positives = train.Count(e => e.Label);
        return positives / (positives + (double)(train.Count - positives) * negativeWeight);
    }

    private static string NextVersion(string directory, string name)
    {
        var highest = Directory.GetFiles(directory, $"{name}-v*.zip")
            .Select(path => Path.GetFileNameWithoutExtension(path)[(name.Length + 2)..])
            .Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0)
            .Max();
        return $"v{highest + 1}";
    }

    private string Card(string name, string version, DataDescription data, string labelDefinition, ModelMetrics m, int negativeWeight, long horizonMs)
    {
        var subsampled = negativeWeight > 1;
        var inv = CultureInfo.InvariantCulture;
        var card = new StringBuilder();
        card.AppendLine(inv, $"# Model card: {name} {version}");
        card.AppendLine();
        card.AppendLine(inv, $"- Trained: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC by `train` (ML.NET FastTree binary classifier, "
            + $"{options.Trees} trees, {options.Leaves} leaves, learning rate {options.LearningRate}, seed {options.Seed}).");
        card.AppendLine(inv, $"- Serves: `scores.{name}` through the worker's model directory as `{name}-{version}.zip`; its scores carry model_version `{version}`.");
        card.AppendLine();
        card.AppendLine("## Data");
        card.AppendLine();
        card.AppendLine(inv, $"- Source: `{data.Source}`, {data.Events:N0} events from {data.Users:N0} users, {data.From:yyyy-MM-dd HH:mm} to {data.To:yyyy-MM-dd HH:mm} UTC (event time).");
        var subsampling = subsampled ? $", negatives subsampled 1 in {negativeWeight} and weighted {negativeWeight}" : "";
        card.AppendLine(inv, $"- Split by time: the last {options.HoldoutShare:P0} of the range is held out ({m.TestExamples:N0} examples, "
            + $"{m.TestPositives:N0} positive, from {m.TestUsers:N0} users); {m.TrainExamples:N0} training examples{subsampling}.");
        if (horizonMs > 0)
        {
            var minutes = TimeSpan.FromMilliseconds(horizonMs).TotalMinutes;
            card.Append(inv, $"- Only fully observed labels: {m.Censored:N0} examples whose {minutes:0}-minute label horizon ran past the end of the data, ");
            card.AppendLine("or (for training) into the held-out part, were left out.");
        }
        card.AppendLine(inv, $"- Positive rate: {m.TrainPositiveRate:P2} in training (weighted), {m.TestPositiveRate:P2} held out.");
        card.AppendLine(inv, $"- Label: {labelDefinition}");
        card.AppendLine("- Features: the topology's own feature code replayed in event-time order, so each example has the features serving would have had at that moment (no look-ahead).");
        card.AppendLine();
        card.AppendLine("## Held-out metrics, against baselines");
        card.AppendLine();
        card.AppendLine(inv, $"On the same held-out examples; in brackets the 95 % interval from {m.Resamples} bootstrap resamples of users.");
        card.AppendLine();
        card.AppendLine(inv, $"| scorer | ROC-AUC | PR-AUC | recall at precision {m.TargetPrecision:F2} |");
        card.AppendLine("|---|---|---|---|");
        foreach (var s in m.Scorers)
        {
            card.AppendLine(inv, $"| {s.Name} | {s.RocAuc.Format("F3")} | {s.PrAuc.Format("F4")} | {s.RecallAtPrecision.Format("F3")} |");
        }

        var c = m.Comparison!;
        card.AppendLine();
        card.Append(inv, $"Model − {c.Baseline} (the best baseline by PR-AUC): ROC-AUC {c.RocAucDifference.Format("+0.000;-0.000")}, ");
        card.AppendLine(inv, $"PR-AUC {c.PrAucDifference.Format("+0.0000;-0.0000")}; {c.Verdict}.");
        card.AppendLine(inv, $"The model's threshold for recall at precision {m.TargetPrecision:F2}: {m.Threshold:F3}.");
        card.AppendLine();
        card.AppendLine("## Features (input vector, in order)");
        card.AppendLine();
        card.AppendLine(string.Join(", ", FeatureVector.Names.Select(n => $"`{n}`")));
        card.AppendLine();
        card.AppendLine("## Limits");
        card.AppendLine();
        card.AppendLine("- Trained on the data above only; scores on traffic unlike it (new channels, other catalogues, other fraud patterns) are not calibrated.");
        card.AppendLine("- The probability is Platt-calibrated on the training data; check calibration on live data before using fixed thresholds.");
        card.AppendLine("- When the model is missing, throws or is over its latency budget, the worker serves the documented heuristic instead (model_version `heuristic`).");
        return card.ToString();
    }

    private sealed record DataDescription(string Source, int Events, int Users, DateTimeOffset From, DateTimeOffset To);

    private readonly record struct Example(long Time, int User, float[] Features, bool Label, float Heuristic)
    {
        public ModelInput ToInput() => new() { Features = Features, Label = Label };
    }

    private sealed class TrainingRow
    {
        [Microsoft.ML.Data.VectorType(FeatureVector.Length)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }

        public float Weight { get; set; }
    }

    private sealed class ScoredRow
    {
        public float Probability { get; set; }
    }
}
