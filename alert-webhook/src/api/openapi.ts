import { Router } from 'express';
import { openApiDocument } from '@vigil/api-contract';

let document: object | undefined;

/** GET /api/v1/openapi.json: the API's OpenAPI 3.1 document, generated from @vigil/api-contract; no token needed. */
export function openApiRouter(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    document ??= openApiDocument();
    res.json(document);
  });
  return router;
}
