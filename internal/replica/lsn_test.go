package replica

import "testing"

func TestLSNText(t *testing.T) {
	for _, s := range []string{"0/0", "16/B374D848", "FFFFFFFF/FFFFFFFF"} {
		l, err := ParseLSN(s)
		if err != nil || l.String() != s {
			t.Errorf("ParseLSN(%q) = %v, %v; String %q", s, uint64(l), err, l.String())
		}
	}
	if l, _ := ParseLSN("16/B374D848"); l != LSN(0x16_B374D848) {
		t.Errorf("16/B374D848 = %#x", uint64(l))
	}
	for _, s := range []string{"", "16", "16/", "/1", "G/1", "1/100000000", "-1/1"} {
		if _, err := ParseLSN(s); err == nil {
			t.Errorf("ParseLSN(%q) succeeded", s)
		}
	}
}

func TestCoversPageHeader(t *testing.T) {
	const page = 8192
	if !Covers(2*page, 2*page, 0) || Covers(2*page, 2*page+24, 0) {
		t.Error("without the page size, only positions at or before the replay are covered")
	}
	for _, c := range []struct {
		replayed, after LSN
		want            bool
	}{
		{2 * page, 2*page + 24, true},  // a record ended on the boundary; the insert position is after the short header
		{2 * page, 2*page + 40, true},  // after a segment's long header
		{2 * page, 2*page + 48, false}, // a record fits in there
		{2*page - 8, 2*page + 24, false},
		{2*page + 8, 2*page + 32, false},
	} {
		if got := Covers(c.replayed, c.after, page); got != c.want {
			t.Errorf("Covers(%d, %d) = %v, want %v", c.replayed, c.after, got, c.want)
		}
	}
}
