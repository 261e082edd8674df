using System.CommandLine;
using Personalization.Simulation;
using Personalization.Training;

namespace Personalization.Worker.Commands;

/// <summary><c>train</c>: trains the fraud and propensity models from a clickstream CSV and writes them with model cards.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("clickstream") { Description = "A CSV from `generate --file`, or a retail export (timestamp,user_id,event_type,item_id[,category,price])." };
        var output = new Option<DirectoryInfo>("--models", "-o") { Description = "The model directory to write into.", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var horizon = new Option<TimeSpan>("--purchase-horizon") { Description = "Propensity label: a purchase within this long.", DefaultValueFactory = _ => TimeSpan.FromMinutes(30) };
        var holdout = new Option<double>("--holdout") { Description = "The latest share of the time range held out for evaluation.", DefaultValueFactory = _ => 0.2 };
        var precision = new Option<double>("--precision") { Description = "Report recall at this precision.", DefaultValueFactory = _ => 0.8 };
        var trees = new Option<int>("--trees") { Description = "FastTree trees.", DefaultValueFactory = _ => 100 };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples of users behind the reported intervals.", DefaultValueFactory = _ => 200 };
        var force = new Option<bool>("--force") { Description = "Write a model even when it does not beat the best baseline on PR-AUC." };

        var command = new Command(
            "train",
            "Train the fraud and propensity models (ML.NET FastTree) with point-in-time features; print held-out metrics beside baselines, with bootstrap "
            + "intervals; write each model and its card unless it does not beat the best baseline. Exits 1 when a model was not written.")
        {
            input, output, horizon, holdout, precision, trees, bootstrap, force,
        };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(input)!;
            if (!file.Exists)
            {
                Console.Error.WriteLine($"train: {file.FullName} does not exist.");
                return 2;
            }

            var trainer = new ModelTrainer(new TrainerOptions
            {
                PurchaseHorizon = parse.GetValue(horizon),
                HoldoutShare = parse.GetValue(holdout),
                TargetPrecision = parse.GetValue(precision),
                Trees = parse.GetValue(trees),
                BootstrapResamples = parse.GetValue(bootstrap),
                Force = parse.GetValue(force),
            });
            using var reader = new StreamReader(file.FullName);
            var models = trainer.Train(ClickstreamCsv.Read(reader, file.Name), file.Name, parse.GetValue(output)!.FullName, Console.Out);
            return models.Count > 0 && models.All(m => m.Written) ? 0 : 1;
        });
        return command;
    }
}
