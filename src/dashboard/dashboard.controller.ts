import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { PUBLIC, Requires } from '../auth/requires.decorator.js';

/**
 * The saga dashboard: a static page and its script, which read the REST API and poll it (live).
 * They hold no data, so they load without a key; every API call they make needs one once keys
 * are configured (the page asks for it). The script is a file of its own so the content security
 * policy can forbid inline scripts.
 */
const PAGE = readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');
const SCRIPT = readFileSync(new URL('./dashboard.js', import.meta.url), 'utf8');

@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  @Get()
  @Requires(PUBLIC)
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return PAGE;
  }

  @Get('app.js')
  @Requires(PUBLIC)
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return SCRIPT;
  }
}
