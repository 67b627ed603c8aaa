package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/kong"
)

// byteSize is a flag holding a number of bytes, written as 65536, 64KiB,
// 4M or 1GiB: the units K, M and G are powers of 1024, with or without a
// trailing "iB" or "B".
type byteSize int64

// Decode parses the flag's value for kong.
func (b *byteSize) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("size", &s); err != nil {
		return err
	}
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func parseSize(s string) (int64, error) {
	num := strings.TrimRight(s, "KMGiBkmgb")
	unit := strings.ToUpper(strings.TrimSpace(s[len(num):]))
	shift := map[string]uint{"": 0, "B": 0, "K": 10, "KB": 10, "KIB": 10, "M": 20, "MB": 20, "MIB": 20, "G": 30, "GB": 30, "GIB": 30}
	sh, okUnit := shift[unit]
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if !okUnit || err != nil || n < 0 || n > (1<<62)>>sh {
		return 0, fmt.Errorf("bad size %q: want a number of bytes such as 65536, 64KiB or 4MiB", s)
	}
	return n << sh, nil
}

// humanBytes renders n bytes with a binary unit: "812 B", "3.4 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// commas renders n with thousands separators: "300,000".
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ratio renders how many times smaller stored is than accepted: "10.4x".
func ratio(accepted, stored int64) string {
	if stored == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fx", float64(accepted)/float64(stored))
}
