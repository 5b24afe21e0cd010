package deltawrite

// SetTestHook replaces the hook called at named points of a write
// ("data-written", "commit", "local-temp-written") for the test's life.
func SetTestHook(f func(point string)) (restore func()) {
	old := testHook
	testHook = f
	return func() { testHook = old }
}
