package access

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// ErrAnonymousNotLoopback is returned by CheckAnonymous when the gateway
// would serve anonymously on an address other hosts can reach.
var ErrAnonymousNotLoopback = errors.New("no API keys are configured and the gateway listens beyond loopback")

// CheckAnonymous is the start-up rule for a gateway without API keys
// (keys == 0): it serves anonymously, with every scope, only while addr
// (SAILGRAPH_ADDR, host:port) is a loopback address, and refuses to start
// on any other address unless allowAnonymous (SAILGRAPH_ALLOW_ANONYMOUS)
// is set. warn, when not empty, is to be logged loudly at start.
// ":8080" and "0.0.0.0:8080" listen on every interface, so they are not
// loopback; "localhost:8080" is.
func CheckAnonymous(addr string, allowAnonymous bool, keys int) (warn string, err error) {
	if keys > 0 {
		return "", nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("SAILGRAPH_ADDR=%q: %w", addr, err)
	}
	if isLoopback(host) {
		return "ANONYMOUS ACCESS: no API keys are configured (SAILGRAPH_API_KEYS_FILE), so every caller on this machine has every scope; " +
			"the gateway listens on loopback only", nil
	}
	if !allowAnonymous {
		return "", fmt.Errorf("%w (SAILGRAPH_ADDR=%q): set SAILGRAPH_API_KEYS_FILE, listen on 127.0.0.1, or set SAILGRAPH_ALLOW_ANONYMOUS=true to serve everyone with every scope",
			ErrAnonymousNotLoopback, addr)
	}
	return fmt.Sprintf("ANONYMOUS ACCESS ON A NETWORK ADDRESS: no API keys are configured and SAILGRAPH_ALLOW_ANONYMOUS=true, "+
		"so anyone who can reach %s has every scope on the tenant", addr), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
