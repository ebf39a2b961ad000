export { writeWithBackpressure, type MessageSink, type WriteStats } from './write-stream.js';
