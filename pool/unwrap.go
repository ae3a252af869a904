package pool

import sqldriver "database/sql/driver"

// unwrapConn is the driver connection under database/sql middleware
// (otelsql and others wrap connections and give the wrapped one back
// through Raw): the pool talks to pgx underneath.
func unwrapConn(dc any) any {
	for {
		w, ok := dc.(interface{ Raw() sqldriver.Conn })
		if !ok {
			return dc
		}
		inner := w.Raw()
		if inner == nil {
			return dc
		}
		dc = inner
	}
}
