// Package sqltext holds what the pool reads from and writes into SQL text,
// as pure functions: no connection, no server, no state.
//
// # Reading statements
//
// [FirstWord] finds a statement's first keyword past white space, comments
// and opening parentheses; the pool decides from it how a statement
// travels: [IsCopy] and [ControlsTransaction] keep a statement alone in
// flight on its connection, [IsListen] keeps LISTEN off shared
// connections, [ShapeVaries] stops a prepared statement's columns from
// being trusted, and [ChangesSchema] stops later statements of a
// transaction from being prepared ahead of it. [ChangesSession] tells a
// statement that leaves state on its session, and [ReturnsNoRows] one
// that cannot return rows, which a pool over another driver runs with
// ExecContext. [DropsPrepared] reads a command tag. All of them read the text only: what a function does when
// called, or a statement after the first in a multi-statement string, goes
// unseen.
//
// # Writing statements
//
// [Mogrify] renders arguments into a query as literals for Pool.Mogrify,
// lexing strings, quoted identifiers, dollar quotes and comments as the
// server does so that only real placeholders are replaced.
// [QuoteProcName] and [CallSQL] build CallProc's statement;
// [QuoteChannel] and [ListenSQL] a Listener's LISTEN and UNLISTEN.
//
// The functions on every statement's path (FirstWord, StartsWith,
// ChangesSession on text without "advisory_lock") allocate nothing.
package sqltext
