using QPay.Sandbox.Auth;
using QPay.Sandbox.Faults;
using QPay.Sandbox.Stats;

namespace QPay.Sandbox.Control;

/// <summary>Clears invoices, payments, e-receipts, tokens, faults and stats.</summary>
internal sealed class SandboxResetter(SandboxState state, TokenIssuer tokens, FaultInjector faults, CallStats stats)
{
    public void Reset()
    {
        state.Clear();
        tokens.RevokeAll();
        faults.Clear();
        stats.Clear();
    }
}
