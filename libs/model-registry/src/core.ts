// Version ordering and the errors of a requested version, without the registry's NATS side: for a process that serves
// from a bundle and never loads the NATS client (the edge agent). The package index re-exports it whole.
export * from './serving-version';
export * from './requested-version';
