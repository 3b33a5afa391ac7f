import { z } from 'zod';
import { databaseUrl, hostPort, logLevel } from './env.js';

/** Variables several deployables share, with the meaning DESIGN "Configuration" gives them. */
export const databaseShape = {
  DATABASE_URL: databaseUrl.refine(
    (value) => value !== undefined,
    'required: mysql://user:password@host:port/database',
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
};

export const queueShape = {
  NSQD_TCP_ADDRESS: hostPort,
  NSQ_TOPIC: z
    .string()
    .regex(/^[.a-zA-Z0-9_-]{1,64}$/, 'expected an NSQ topic name')
    .default('images'),
};

export const imagesRootShape = {
  IMAGES_ROOT: z.string().refine((value) => value.startsWith('/'), 'expected an absolute path'),
};

export const recognizerAddressShape = {
  RECOGNIZER_ADDRESS: hostPort.default('127.0.0.1:50051'),
};

export const logShape = { LOG_LEVEL: logLevel };
