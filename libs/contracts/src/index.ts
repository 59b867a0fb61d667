export * from './domain';
export * from './events';
export * from './subjects';
export * from './ipam';
export * from './routing';
