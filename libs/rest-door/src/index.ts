export * from './http-body';
export * from './http-status';
export * from './request-metrics';
export * from './request-telemetry';
export * from './rest-failure';
export * from './send';
export * from './model-routes';
