using System.Runtime.CompilerServices;

namespace Streams.Avro;

/// <summary>Facts about a C# enum that mirrors an Avro enum: its members are the symbols, in order, from 0.</summary>
public static class AvroEnum<TEnum> where TEnum : struct, Enum
{
    /// <summary>The number of symbols.</summary>
    public static readonly int Count = Validate();

    private static int Validate()
    {
        if (Unsafe.SizeOf<TEnum>() != sizeof(int) || Enum.GetUnderlyingType(typeof(TEnum)) != typeof(int))
        {
            throw new InvalidOperationException($"{typeof(TEnum).Name} must have underlying type int to mirror an Avro enum.");
        }

        var values = Enum.GetValues<TEnum>();
        for (var i = 0; i < values.Length; i++)
        {
            if (Convert.ToInt32(values[i], System.Globalization.CultureInfo.InvariantCulture) != i)
            {
                throw new InvalidOperationException($"{typeof(TEnum).Name}'s members must be numbered 0, 1, 2, ... like Avro symbols.");
            }
        }

        return values.Length;
    }
}
