// Scenarios "static files" (issue 18, target 4), Fastify's side: @fastify/static with its defaults
// (ETag, Last-Modified, ranges via @fastify/send), root STATIC_DIR, logger off.
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = Fastify({ logger: false });
await app.register(fastifyStatic, { root: process.env.STATIC_DIR });

await app.listen({ port: PORT, host: HOST });
