import { mount } from 'svelte'
import '../shared/base.css'
import SitesApp from './SitesApp.svelte'

mount(SitesApp, { target: document.getElementById('app')! })
