package objstore

// readAhead fetches the commits a log replay will ask for next. delta reads
// commits one at a time (newest first for a snapshot, oldest first for a
// timestamp search); over a network each read is a round trip, so the
// store keeps a window of the neighbouring commits of the last listing in
// flight, in the direction the reads are going.
type readAhead struct {
	window   int
	commits  []string       // sorted commit paths of the last listing
	index    map[string]int // path -> position in commits
	pending  map[string]*fetch
	consumed map[int]bool
	last     int // position of the last commit read, -1 before the first
}

type fetch struct {
	done chan struct{}
	data []byte
	err  error
}

// reset starts over on a new listing (a new replay).
func (r *readAhead) reset(commits []string) {
	r.commits = commits
	r.index = make(map[string]int, len(commits))
	for i, p := range commits {
		r.index[p] = i
	}
	r.pending = map[string]*fetch{}
	r.consumed = map[int]bool{}
	r.last = -1
}

// take returns the read-ahead of path (nil if none) and the paths to start
// fetching now.
func (r *readAhead) take(path string) (*fetch, []string) {
	i, ok := r.index[path]
	if !ok || r.window == 0 {
		return nil, nil
	}
	f := r.pending[path]
	delete(r.pending, path)
	r.consumed[i] = true
	dir := -1 // a snapshot replays newest first
	if r.last >= 0 && i > r.last {
		dir = 1
	}
	r.last = i
	var next []string
	for k := 1; k <= r.window && len(r.pending)+len(next) < 2*r.window; k++ {
		j := i + dir*k
		if j < 0 || j >= len(r.commits) {
			break
		}
		if p := r.commits[j]; !r.consumed[j] && r.pending[p] == nil {
			next = append(next, p)
		}
	}
	return f, next
}
