package generation

// WaitProbes waits until no probe of c runs: tests read the outcome of a
// probe they started without sleeping.
func WaitProbes(c *Chooser) { c.wg.Wait() }
