package pool

import (
	"database/sql"
	"errors"
	"testing"
	"time"
)

func TestAssignFollowsDatabaseSQL(t *testing.T) {
	var (
		s   string
		i   int
		i8  int8
		u   uint16
		f   float32
		b   bool
		bs  []byte
		raw sql.RawBytes
		tm  time.Time
		a   any
		ps  *string
		ns  sql.NullString
	)
	now := time.Now()
	cases := []struct {
		dest, src any
		check     func() bool
	}{
		{&s, "x", func() bool { return s == "x" }},
		{&s, []byte("y"), func() bool { return s == "y" }},
		{&s, int64(5), func() bool { return s == "5" }},
		{&i, int64(-7), func() bool { return i == -7 }},
		{&i, "12", func() bool { return i == 12 }},
		{&u, int64(65535), func() bool { return u == 65535 }},
		{&f, 1.5, func() bool { return f == 1.5 }},
		{&b, true, func() bool { return b }},
		{&b, "f", func() bool { return !b }},
		{&bs, []byte("z"), func() bool { return string(bs) == "z" }},
		{&raw, "r", func() bool { return string(raw) == "r" }},
		{&tm, now, func() bool { return tm.Equal(now) }},
		{&a, int64(3), func() bool { return a == int64(3) }},
		{&ps, "p", func() bool { return ps != nil && *ps == "p" }},
		{&ps, nil, func() bool { return ps == nil }},
		{&ns, nil, func() bool { return !ns.Valid }},
		{&ns, "v", func() bool { return ns.Valid && ns.String == "v" }},
	}
	for _, c := range cases {
		if err := assign(c.dest, c.src); err != nil || !c.check() {
			t.Errorf("assign(%T, %#v): %v", c.dest, c.src, err)
		}
	}
	failing := []struct{ dest, src any }{
		{&i8, int64(300)},
		{&i, "x"},
		{&s, nil},
		{&i, nil},
		{(*string)(nil), "x"},
		{(*sql.NullString)(nil), "x"},
		{nil, "x"},
		{s, "x"},
		{&tm, "not a time"},
	}
	for _, c := range failing {
		if err := assign(c.dest, c.src); err == nil {
			t.Errorf("assign(%T, %#v) succeeded", c.dest, c.src)
		}
	}
	if err := assign((*string)(nil), "x"); !errors.Is(err, errNilDest) {
		t.Errorf("nil *string: %v", err)
	}
}

func TestAssignCopiesBytes(t *testing.T) {
	src := []byte("abc")
	var dst []byte
	if err := assign(&dst, src); err != nil {
		t.Fatal(err)
	}
	src[0] = 'X'
	if string(dst) != "abc" {
		t.Fatalf("the destination aliases the cursor's buffer: %q", dst)
	}
}
