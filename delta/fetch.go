package delta

import (
	"context"
	"fmt"
	"sync"
)

// readOrdered reads the objects at paths with at most n reads in flight or
// fetched but not yet consumed, and calls fn with each object's bytes in the
// order of paths. Over a network each read is a round trip, so a replay
// that reads commits one by one waits for the sum of the latencies; here
// it waits for about their maximum per window. The first failed read (or
// fn error) stops the rest and is returned naming the object: a replay
// never continues on a shorter log.
func readOrdered(ctx context.Context, st Storage, paths []string, n int, what string, fn func(i int, data []byte) error) error {
	if len(paths) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait() // no read outlives the call
	}()
	type result struct {
		data []byte
		err  error
	}
	res := make([]chan result, len(paths))
	for i := range res {
		res[i] = make(chan result, 1)
	}
	slots := make(chan struct{}, max(1, min(n, len(paths))))
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, p := range paths {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, err := st.Read(ctx, p)
				res[i] <- result{b, err}
			}()
		}
	}()
	for i := range paths {
		var r result
		select {
		case r = <-res[i]:
		case <-ctx.Done():
			return fmt.Errorf("read %s %s: %w", what, paths[i], ctx.Err())
		}
		<-slots
		if r.err != nil {
			return fmt.Errorf("read %s %s: %w", what, paths[i], r.err)
		}
		if err := fn(i, r.data); err != nil {
			return err
		}
	}
	return nil
}
