export type { ModelObjects, PublishableModel } from './model-objects.js';
export { NatsModelObjects, type NatsModelObjectsOptions } from './nats-model-objects.js';
