package access

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
)

// ErrAnonymousNotLoopback is returned by CheckAnonymous when the gateway
// would serve a real tenant anonymously on an address other hosts can
// reach.
var ErrAnonymousNotLoopback = errors.New("no API keys are configured and the gateway listens beyond loopback")

// Exposure is what CheckAnonymous decides from: where the gateway listens
// and what stands between a caller and the tenant.
type Exposure struct {
	// Addr is the listen address (SAILGRAPH_ADDR, host:port). ":8080" and
	// "0.0.0.0:8080" listen on every interface, so they are not loopback;
	// "localhost:8080" is.
	Addr string
	// Keys is how many API keys are configured.
	Keys int
	// PassThrough: every caller must bring its own ISC token, so no one
	// reaches the tenant anonymously, keys or not.
	PassThrough bool
	// Simulated: the tenant is the embedded simulated one, which holds no
	// one's data or credentials.
	Simulated bool
	// AllowAnonymous is SAILGRAPH_ALLOW_ANONYMOUS.
	AllowAnonymous bool
}

// Notice is what to log at start about anonymous access; an empty Message
// means nothing.
type Notice struct {
	Level   slog.Level
	Message string
}

// CheckAnonymous is the start-up rule for a gateway without API keys: it
// serves anonymously, with every scope, on a loopback address, or in
// front of the simulated tenant; in front of a real tenant on any other
// address it refuses to start unless AllowAnonymous. The notice says
// exactly who has what: quietly for the simulated tenant on loopback,
// loudly whenever a real tenant or a network address is open to callers
// without a key.
func CheckAnonymous(e Exposure) (Notice, error) {
	host, _, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return Notice{}, fmt.Errorf("SAILGRAPH_ADDR=%q: %w", e.Addr, err)
	}
	if e.Keys > 0 || e.PassThrough {
		return Notice{}, nil
	}
	loopback := isLoopback(host)
	switch {
	case e.Simulated && loopback:
		return Notice{slog.LevelInfo, "no API keys are configured: callers on this machine have every scope on the simulated tenant"}, nil
	case e.Simulated:
		return Notice{slog.LevelWarn, fmt.Sprintf("ANONYMOUS ACCESS ON A NETWORK ADDRESS: no API keys are configured, "+
			"so anyone who can reach %s has every scope on the simulated tenant (it holds no real data)", e.Addr)}, nil
	case loopback:
		return Notice{slog.LevelWarn, "ANONYMOUS ACCESS: no API keys are configured (SAILGRAPH_API_KEYS_FILE), " +
			"so every caller on this machine has every scope on the tenant; the gateway listens on loopback only"}, nil
	case !e.AllowAnonymous:
		return Notice{}, fmt.Errorf("%w (SAILGRAPH_ADDR=%q): set SAILGRAPH_API_KEYS_FILE, listen on 127.0.0.1, or set SAILGRAPH_ALLOW_ANONYMOUS=true to serve everyone with every scope",
			ErrAnonymousNotLoopback, e.Addr)
	}
	return Notice{slog.LevelWarn, fmt.Sprintf("ANONYMOUS ACCESS ON A NETWORK ADDRESS: no API keys are configured and SAILGRAPH_ALLOW_ANONYMOUS=true, "+
		"so anyone who can reach %s has every scope on the tenant", e.Addr)}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
