using System.CommandLine;
using Personalization.Worker.Commands;

var root = new RootCommand("The real-time personalization worker: a Kafka Streams-style topology over Kafka.");
var run = new Command("run", "Run the worker (the default command).");
run.SetAction(_ =>
{
    // The hosted worker (configuration, embedded cluster, HTTP) is built on the topology; until then the command
    // says so and fails rather than pretending to run.
    Console.Error.WriteLine("run: the hosted worker is not built yet; see the open issues.");
    return 2;
});
root.Subcommands.Add(run);
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(SchemaCommands.Create());
root.SetAction(parse => run.Parse([]).Invoke());

return await root.Parse(args).InvokeAsync();
