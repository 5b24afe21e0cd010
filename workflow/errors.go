package workflow

import "errors"

// Errors callers can tell apart with errors.Is. Each is wrapped with the
// file, view or node concerned.
var (
	// ErrFormat: a workflow or schedule file is not valid JSON of the
	// expected shape (syntax, a duplicate key, an unknown field, a wrong
	// type, trailing data).
	ErrFormat = errors.New("workflow: malformed file")
	// ErrInvalid: a workflow breaks a rule (an empty or duplicate name, a
	// missing plan, a pin of an unknown table, a bad behavior).
	ErrInvalid = errors.New("workflow: invalid workflow")
	// ErrUnknownRead: a view's plan reads a name that is neither a table nor
	// a view of the workflow.
	ErrUnknownRead = errors.New("workflow: read matches no table or view")
	// ErrCycle: views read each other in a cycle.
	ErrCycle = errors.New("workflow: views form a cycle")
	// ErrUnknownView: a requested view is not in the workflow.
	ErrUnknownView = errors.New("workflow: unknown view")
	// ErrOverrideConflict: a node is in two behavior override lists.
	ErrOverrideConflict = errors.New("workflow: conflicting behavior overrides")
	// ErrUnknownNode: a behavior override names no view, node or table.
	ErrUnknownNode = errors.New("workflow: unknown node")
	// ErrUnhashable: a node's inputs cannot be digested (for example a
	// scan unit read back from JSON, without file sizes).
	ErrUnhashable = errors.New("workflow: unhashable input")
)
