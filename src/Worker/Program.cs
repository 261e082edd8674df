using System.CommandLine;
using Personalization.Worker.Commands;

var run = RunCommand.Create();
var root = new RootCommand("The real-time personalization worker: a Kafka Streams-style topology over Kafka.")
{
    TreatUnmatchedTokensAsErrors = false,
};
root.Subcommands.Add(run);
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(ExportTrainingCommand.Create());
root.Subcommands.Add(TopicsCommand.Create());
root.Subcommands.Add(SchemaCommands.Create());
root.SetAction((parse, cancellationToken) => RunCommand.RunAsync([.. parse.UnmatchedTokens], cancellationToken));

// The host handles SIGTERM and Ctrl+C itself, with the configured grace period; System.CommandLine must not cut it short.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
