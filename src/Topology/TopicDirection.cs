namespace Personalization.Topology;

/// <summary>Whether the worker reads a topic or writes it.</summary>
public enum TopicDirection
{
    Input,
    Output,
}
