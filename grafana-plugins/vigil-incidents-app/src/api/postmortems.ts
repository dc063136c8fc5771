import type { Postmortem, PostmortemBody, UserList } from '@vigil/api-contract';
import { apiUrl, vigil, type ApiError } from './client';

export type { Postmortem, PostmortemBody };

/** The incident's postmortem, or null while none is written (the API answers 404 for that). */
export async function getPostmortem(incidentId: number | string): Promise<Postmortem | null> {
  try {
    return await vigil<Postmortem>(`/incidents/${encodeURIComponent(incidentId)}/postmortem`);
  } catch (err) {
    if ((err as ApiError).status === 404 && /no postmortem/.test((err as ApiError).message)) return null;
    throw err;
  }
}

export const putPostmortem = (incidentId: number, body: PostmortemBody) =>
  vigil<Postmortem>(`/incidents/${incidentId}/postmortem`, { method: 'PUT', data: body });

export const listUsers = () => vigil<UserList>('/users');

/** The Markdown download's URL (through the plugin proxy, with the Grafana session). */
export const postmortemMarkdownUrl = (incidentId: number) => apiUrl(`/incidents/${incidentId}/postmortem.md`);
