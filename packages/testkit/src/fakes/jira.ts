import { startFakeApi, type ApiReply, type ApiRequest, type FakeApi } from './api';

export interface JiraIssue {
  key: string;
  fields: Record<string, unknown>;
  status: string;
  comments: unknown[];
}

export interface FakeJira extends FakeApi {
  issues: Map<string, JiraIssue>;
}

/** The fake's workflow: its statuses' categories (Jira's `new`, `indeterminate`, `done`) and transitions. */
const STATUS_CATEGORIES: Record<string, string> = {
  'To Do': 'new',
  'In Progress': 'indeterminate',
  Done: 'done',
};
const TRANSITIONS = [
  { id: '21', name: 'In Progress', to: { name: 'In Progress' } },
  { id: '31', name: 'Done', to: { name: 'Done' } },
];

const errors = (status: number, messages: string[], fields: Record<string, string> = {}): ApiReply => ({
  status,
  body: { errorMessages: messages, errors: fields },
});

const isDocument = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  (v as { type?: unknown }).type === 'doc' &&
  (v as { version?: unknown }).version === 1;

/**
 * Jira's REST API v2 and v3 for issues as Jira answers: 401 without the configured Authorization; POST
 * /issue (201 {id, key, self}; 400 {errorMessages, errors} for an unknown project or issue type, a missing
 * or too long summary, or text that is not what the version wants: a string for v2, an Atlassian Document
 * for v3), POST /search/jql (Cloud's search, `{issues, isLast}`) and, for v2, POST /search (Data Center's,
 * `{issues, total}`; on v3 410 Gone, as Cloud has removed it), both taking the JQL
 * `project = "P" AND labels = "L"`, POST /issue/{key}/comment (201),
 * GET /issue/{key} (its status and statusCategory), GET and POST /issue/{key}/transitions (204; 400 for an
 * unknown id); 404 for an unknown issue; 429 while
 * throttled.
 */
export async function startFakeJira(options: {
  authorization: string;
  projects: string[];
  issueTypes?: string[];
}) {
  const issueTypes = options.issueTypes ?? ['Task', 'Bug', 'Incident'];
  const issues = new Map<string, JiraIssue>();
  let next = 0;
  const answer = (req: ApiRequest): ApiReply => {
    if (req.headers.authorization !== options.authorization)
      return errors(401, ['You are not authenticated.']);
    const m = /^\/rest\/api\/([23])(\/.*)$/.exec(req.path);
    if (!m) return { status: 404, body: '' };
    const version = Number(m[1]);
    const path = (m[2] as string).split('?')[0] as string;
    let body: Record<string, unknown> = {};
    if (req.body) {
      try {
        body = JSON.parse(req.body) as Record<string, unknown>;
      } catch {
        return errors(400, ['Unexpected character in the request body: not JSON']);
      }
    }
    const textOk = (v: unknown) => (version === 2 ? typeof v === 'string' : isDocument(v));
    const textError = version === 2 ? 'must be a string' : 'Operation value must be an Atlassian Document';
    if (req.method === 'POST' && path === '/issue') {
      const fields = (body.fields ?? {}) as Record<string, unknown>;
      const problems: Record<string, string> = {};
      const project = (fields.project as { key?: string } | undefined)?.key;
      if (!project || !options.projects.includes(project)) problems.project = 'valid project is required';
      if (!issueTypes.includes(String((fields.issuetype as { name?: string } | undefined)?.name)))
        problems.issuetype = 'valid issue type is required';
      if (typeof fields.summary !== 'string' || fields.summary.trim() === '')
        problems.summary = 'You must specify a summary of the issue.';
      else if (fields.summary.length > 255) problems.summary = 'Summary must be less than 255 characters.';
      if (fields.description !== undefined && !textOk(fields.description)) problems.description = textError;
      if (Object.keys(problems).length > 0) return errors(400, [], problems);
      const key = `${project}-${++next}`;
      issues.set(key, { key, fields, status: 'To Do', comments: [] });
      return {
        status: 201,
        body: { id: String(10000 + next), key, self: `/rest/api/${version}/issue/${10000 + next}` },
      };
    }
    if (req.method === 'POST' && path === '/search' && version === 3) {
      return errors(410, [
        'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
      ]);
    }
    if (req.method === 'POST' && (path === '/search' || path === '/search/jql')) {
      const jql = String(body.jql ?? '');
      const q = /^project = "([^"]+)" AND labels = "([^"]+)"$/.exec(jql);
      if (!q) return errors(400, [`Error in the JQL Query: ${jql}`]);
      const found = [...issues.values()].filter(
        (i) =>
          (i.fields.project as { key: string }).key === q[1] &&
          ((i.fields.labels as string[]) ?? []).includes(q[2] as string),
      );
      const listed = found.map((i) => ({ key: i.key }));
      return {
        status: 200,
        body: path === '/search' ? { issues: listed, total: found.length } : { issues: listed, isLast: true },
      };
    }
    const im = /^\/issue\/([A-Z][A-Z0-9_]*-\d+)(?:\/(comment|transitions))?$/.exec(path);
    if (!im) return { status: 404, body: { errorMessages: ['Not found'] } };
    const issue = issues.get(im[1] as string);
    if (!issue) return errors(404, ['Issue does not exist or you do not have permission to see it.']);
    if (im[2] === undefined && req.method === 'GET') {
      const category = STATUS_CATEGORIES[issue.status] ?? 'new';
      return {
        status: 200,
        body: {
          key: issue.key,
          fields: { ...issue.fields, status: { name: issue.status, statusCategory: { key: category } } },
        },
      };
    }
    if (im[2] === 'comment' && req.method === 'POST') {
      if (!textOk(body.body)) return errors(400, [], { comment: textError });
      issue.comments.push(body.body);
      return { status: 201, body: { id: String(issue.comments.length) } };
    }
    if (im[2] === 'transitions' && req.method === 'GET')
      return { status: 200, body: { transitions: TRANSITIONS.filter((t) => t.to.name !== issue.status) } };
    if (im[2] === 'transitions' && req.method === 'POST') {
      const id = (body.transition as { id?: string } | undefined)?.id;
      const t = TRANSITIONS.find((x) => x.id === id && x.to.name !== issue.status);
      if (!t) return errors(400, [`Transition id '${id}' is not valid for this issue.`]);
      issue.status = t.to.name;
      return { status: 204, body: '' };
    }
    return { status: 405, body: '' };
  };
  const fake = await startFakeApi(answer, () => errors(429, ['Rate limit exceeded.']));
  return { ...fake, issues } satisfies FakeJira;
}
