package objstoretest

import (
	"context"
	"net/http"
)

type faultKey struct{}

func contextWithFault(r *http.Request, f Fault) context.Context {
	return context.WithValue(r.Context(), faultKey{}, f)
}
