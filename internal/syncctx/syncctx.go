// Package syncctx waits for goroutines within a context: what a Close(ctx)
// does when it has started work that others may still be finishing.
package syncctx

import (
	"context"
	"sync"
)

// Wait waits for wg, or for ctx to end, whichever comes first, and
// returns ctx's error in the second case. The goroutines go on after a
// ctx that ended; Wait only stops waiting for them.
func Wait(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
