package scanunit

// Verdict is the pruning answer for one file.
type Verdict uint8

// The three verdicts. Only CannotMatch lets a file be skipped.
const (
	// CannotMatch: no row of the file can satisfy the predicate.
	CannotMatch Verdict = iota
	// MightMatch: the statistics do not decide; the file must be read.
	MightMatch
	// MustMatch: every row of the file satisfies the predicate.
	MustMatch
)

func (v Verdict) String() string {
	switch v {
	case CannotMatch:
		return "cannot match"
	case MightMatch:
		return "might match"
	case MustMatch:
		return "must match"
	}
	return "verdict(?)"
}

// Keep reports whether the file must be read.
func (v Verdict) Keep() bool { return v != CannotMatch }

// outcome is the set of SQL truth values that the predicate may take on the
// rows of one file: a bit each for TRUE, FALSE and NULL. Tracking NULL apart
// from FALSE makes NOT exact: NOT of "never TRUE" is not "always TRUE" when
// rows may be NULL.
type outcome = uint8

const (
	oT   outcome = 1
	oF   outcome = 2
	oN   outcome = 4
	oAll         = oT | oF | oN
)

// andTab[a<<3|b] and orTab[a<<3|b] combine two outcome sets pointwise with
// SQL three-valued AND / OR (Kleene); notTab swaps TRUE and FALSE.
var andTab, orTab [64]outcome
var notTab [8]outcome

func init() {
	vals := []outcome{oT, oF, oN}
	and := func(x, y outcome) outcome {
		switch {
		case x == oF || y == oF:
			return oF
		case x == oN || y == oN:
			return oN
		}
		return oT
	}
	or := func(x, y outcome) outcome {
		switch {
		case x == oT || y == oT:
			return oT
		case x == oN || y == oN:
			return oN
		}
		return oF
	}
	for a := outcome(0); a < 8; a++ {
		for b := outcome(0); b < 8; b++ {
			var ra, ro outcome
			for _, x := range vals {
				for _, y := range vals {
					if a&x != 0 && b&y != 0 {
						ra |= and(x, y)
						ro |= or(x, y)
					}
				}
			}
			andTab[a<<3|b], orTab[a<<3|b] = ra, ro
		}
		notTab[a] = a&oN | (a&oT)<<1 | (a&oF)>>1
	}
}

func verdictOf(o outcome) Verdict {
	switch {
	case o&oT == 0:
		return CannotMatch
	case o == oT:
		return MustMatch
	}
	return MightMatch
}
