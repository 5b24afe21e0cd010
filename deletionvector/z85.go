package deletionvector

import "fmt"

// z85Alphabet is the ZeroMQ Z85 alphabet (RFC 32), which Delta calls
// base85 for inline deletion vectors and UUID paths.
const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

var z85Index = func() (t [256]int16) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(z85Alphabet); i++ {
		t[z85Alphabet[i]] = int16(i)
	}
	return t
}()

// decodeZ85 decodes Z85 text: every 5 characters give 4 big-endian bytes.
// No Go module on the proxy list implements Z85, and it is this short.
func decodeZ85(s string) ([]byte, error) {
	if len(s)%5 != 0 {
		return nil, fmt.Errorf("Z85 text of length %d is not a multiple of 5", len(s))
	}
	out := make([]byte, 0, len(s)/5*4)
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for j := 0; j < 5; j++ {
			d := z85Index[s[i+j]]
			if d < 0 {
				return nil, fmt.Errorf("invalid Z85 character %q at %d", s[i+j], i+j)
			}
			v = v*85 + uint64(d)
		}
		if v > 0xFFFFFFFF {
			return nil, fmt.Errorf("Z85 group at %d overflows 32 bits", i)
		}
		out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return out, nil
}

// encodeZ85 is decodeZ85's inverse for data whose length is a multiple of 4
// (tests and fuzz round trips).
func encodeZ85(b []byte) (string, error) {
	if len(b)%4 != 0 {
		return "", fmt.Errorf("Z85 needs a multiple of 4 bytes, got %d", len(b))
	}
	out := make([]byte, 0, len(b)/4*5)
	for i := 0; i < len(b); i += 4 {
		v := uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
		var grp [5]byte
		for j := 4; j >= 0; j-- {
			grp[j] = z85Alphabet[v%85]
			v /= 85
		}
		out = append(out, grp[:]...)
	}
	return string(out), nil
}
