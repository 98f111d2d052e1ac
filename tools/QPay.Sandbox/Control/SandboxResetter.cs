using QPay.Sandbox.Auth;
using QPay.Sandbox.Faults;
using QPay.Sandbox.Stats;

namespace QPay.Sandbox.Control;

/// <summary>The settings a reset puts back: those the control API can change, as they were when the sandbox started.</summary>
internal sealed record SandboxStartSettings(bool EbarimtRegistered);

/// <summary>Clears invoices, payments, e-receipts, tokens, faults and stats, and puts back the Ebarimt registration the sandbox started with.</summary>
internal sealed class SandboxResetter(SandboxState state, TokenIssuer tokens, FaultInjector faults, CallStats stats, SandboxOptions options, SandboxStartSettings start)
{
    public void Reset()
    {
        state.Clear();
        tokens.RevokeAll();
        faults.Clear();
        stats.Clear();
        options.EbarimtRegistered = start.EbarimtRegistered;
    }
}
